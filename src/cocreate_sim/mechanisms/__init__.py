"""One module per mechanism: the arithmetic, its evidence and its equation.

Each function here is pure (numbers in, numbers out) so that it can be tested
without building a model. The agents and the model call them; no other place
holds a mechanism's arithmetic.
"""
