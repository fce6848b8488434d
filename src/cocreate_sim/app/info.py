"""The app's Info tab: what the model is, how it works and how to teach with it, as in NetLogo's models library.

A class (upper secondary or university students and their teacher) reads it
next to the model: seven sections in NetLogo's order, written in plain words
from docs/ODD.md, honest about what the model does not do (docs/validation.md).
Every text is an English source string marked with ``N_`` for the ``info``
message catalogue and translated only when the page is built
(:func:`info_sections`); sources are cited by author and year, the seed files
behind them are named in comments.

A block is one paragraph, or one bullet item when it starts with "- ". Blocks
may use Markdown emphasis (the page renders them with ``dcc.Markdown``).
Controls are named as the page labels them (``app/layout.py``); lever names
are ``i18n.lever_label``'s (the parameter name with spaces, capitalised).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_, gettext_for

BULLET = "- "
"""A block that starts with this is a bullet item; any other block is a paragraph."""


@dataclass(frozen=True)
class Section:
    """One heading of the Info tab and its blocks (paragraphs or bullet items), in English."""

    heading: str
    blocks: tuple[str, ...]


WHAT_IS_IT = Section(
    N_("What is it?"),
    (
        N_(
            "This is a model of a Danish municipality that tries to move from New Public Management, where the "
            "municipality is a service provider measured on efficiency, towards co-creation (*samskabelse*), where "
            "citizens, associations and staff develop solutions together."
        ),
        N_(
            "It is an agent-based model: the computer follows every frontline worker, leader and politician and "
            "the groups of citizens week by week, and what happens to the municipality as a whole comes out of "
            "what each of them does. Nothing in the model says in advance how things should turn out."
        ),
        N_(
            "The model asks what holds co-creation back and what helps it along: the zero-error culture, long "
            "decision paths, what leaders are measured on, the dialogue between leaders and staff, outreach to "
            "citizens with few resources, task committees of citizens and politicians. Its story comes from five "
            "Danish sources (see *Credits and references*)."
        ),
        N_("What it does not do:"),
        N_(
            "- It does not forecast. It is a thinking tool for comparing two versions of the same municipality. "
            "Weeks, hours and shares are not predictions for any real municipality."
        ),
        N_(
            "- It is calibrated to one published figure only: the share of staff under strain in a municipality "
            "run the NPM way. The sources say in which direction things act, not how strongly, so most sizes of "
            "the effects are the modeller's judgements. Where the model misses published figures, "
            "docs/validation.md says so (see *Credits and references*)."
        ),
        N_(
            "- Ordering staff into co-creation (*Practice mandate*) wears them out far faster in the model than "
            "surveys suggest: a small order more than doubles the share under strain. Show its direction, not its "
            "size."
        ),
        N_(
            "- It leaves things out: there is no map, no money (only hours), no elections or party conflict, and "
            "associations and businesses are not actors of their own."
        ),
    ),
)

HOW_IT_WORKS = Section(
    N_("How it works"),
    (
        N_(
            "One step is one week. The default municipality has six departments of twelve frontline workers "
            "(one of them is operations: parks, roads and harbours), a leader in each department, a council of "
            "25 politicians and 40,000 adult inhabitants. A quarter of the inhabitants have few resources (time, "
            "skills, networks, confidence) and a quarter have many."
        ),
        N_(
            "Every week each worker decides how much of the week to spend co-creating with citizens instead of "
            "on operations. Five things go into that decision:"
        ),
        # 000_1eb98d991477f04b.txt: two intertwined learning processes, learnt only by trial.
        N_(
            "- **Understanding and mastery.** A worker needs both an understanding of what co-creation is "
            "(mind-set) and the changed way of working (practice). The two grow only together, and practice is "
            "learnt only by trying (Nielsen 2016)."
        ),
        # 001_fcedaec95fb1d514.txt (frie rammer), 003_2ba0a2bc3f04f1f8.txt (a leader who grants room).
        N_(
            "- **Room to try.** Free frames and a leader who backs the worker make room for co-creation "
            "(Allentoft 2017; Vordingborg 2019)."
        ),
        # 001_fcedaec95fb1d514.txt: "slippe nulfejlskulturen"; 003: "bange for at begå fejl".
        N_(
            "- **Risk of blame.** Where errors are punished (the zero-error culture, *nulfejlskultur*), trying "
            "something new is risky, most of all for someone who has not mastered it yet (Allentoft 2017)."
        ),
        # 003_2ba0a2bc3f04f1f8.txt: "Man får det, man måler!"
        N_(
            "- **What the leader is measured on.** Leaders measured only on the old targets (backlog, complaints, "
            "errors) pull their staff back to operations: you get what you measure (Vordingborg 2019)."
        ),
        # 000_1eb98d991477f04b.txt: a very energy-consuming shift; continuous value-based dialogue.
        N_(
            "- **Energy.** Learning the new way is tiring, and workers who run out of energy burn out. Leader "
            "dialogue, the leader's value-based talks with each worker about what the shift means, builds "
            "understanding, helps the worker learn from what they tried, gives energy back and challenges them "
            "to try (Nielsen 2016)."
        ),
        N_(
            "A worker who chooses to spend at least a tenth of the week co-creating, and works on an initiative, "
            "counts in the *uptake of co-creation*. Hours ordered from above do not count: only workers who "
            "choose co-creation themselves do."
        ),
        # 001 (decision paths), 002 (the ladder of co-creation), 004 (task committees).
        N_(
            "Co-creation happens in initiatives. Workers and citizens propose them, and in the Gentofte model "
            "the council sets up task committees (*opgaveudvalg*) of about ten citizens and five politicians "
            "(Torfing). An initiative first waits for approval on the decision path (*beslutningsgange*): every "
            "step takes weeks, and citizens who wait lose heart. Then it recruits citizens, makes progress, and "
            "ends completed, failed or abandoned. Initiatives range from a citizen helping with their own "
            "service up to governance networks: the ladder of co-creation."
        ),
        # 000 (needs of weaker groups), 001 (adapting the role), 003 (local councils are not representative).
        N_(
            "Who takes part? The usual networks mostly reach citizens with many resources, and the demanding "
            "forms ask for time, skills and confidence. Outreach (staff hours spent building relations with "
            "citizens with few resources and learning their needs) and network design (broad advertisement "
            "instead of the usual networks) change who hears about an initiative, who joins and who stays."
        ),
        N_("What an initiative leaves behind feeds back through five loops:"),
        N_(
            "- **Investment:** co-creation costs operations hours first, so the backlog grows, and may give "
            "hours back later when citizens take over tasks; facilities that were built must be maintained."
        ),
        N_(
            "- **Culture:** errors and failed projects under blame harden the zero-error culture; backing from "
            "leaders and successes soften it."
        ),
        N_(
            "- **Efficacy:** citizens whose initiative succeeds trust the municipality more and come back; "
            "those kept waiting or let down trust it less."
        ),
        N_(
            "- **Strain:** the shift costs energy; front figures (*frontfigurer*, the enthusiasts) carry much "
            "of it alone and can burn out or leave."
        ),
        N_(
            "- **Political:** task committees move politicians' time from casework to policy without adding "
            "to it, and legitimacy follows what citizens experience."
        ),
        N_(
            "The full description, with every rule, its equation and its source, is in docs/ODD.md. The model is "
            "checked against six patterns from the sources (for example: a stronger zero-error culture lowers "
            "the uptake of co-creation); docs/validation.md shows which hold and which do not."
        ),
    ),
)

HOW_TO_USE_IT = Section(
    N_("How to use it"),
    (
        N_(
            "Choose a starting point in the menu of the panel with the levers: the model's defaults (a "
            "municipality under New Public Management) or one of the scenarios, such as Rudersdal, Vordingborg "
            "or Gentofte. Then:"
        ),
        N_(
            "- **Play** runs the model week by week; press it again to pause. **Step one week** moves on one "
            "week at a time. **Reset** starts again at week 0 with the levers as they are now."
        ),
        N_("- **Speed** sets how fast the weeks go by, from slow to fastest."),
        N_(
            "- **Seed** fixes the random draws. The same seed and the same levers give exactly the same run, so "
            "a difference you see comes from the levers, not from chance. Another seed is another possible "
            "municipality."
        ),
        N_(
            "- The levers can be moved while the model runs. The main ones are **Zero error culture**, "
            "**Decision path length**, **Leader dialogue**, **Measure cocreation value**, **Outreach weak "
            "groups**, **Task committees** and **Maintenance pool**; more are further down. The line under each "
            "lever says what it means and which source it rests on."
        ),
        N_(
            "- **Side by side** runs two copies of the municipality with the same seed: run B differs from run "
            "A in one lever you choose. In the charts run A is drawn solid and run B dashed."
        ),
        N_(
            "- **Lessons** sets up a guided comparison in one click. The class predicts whether the outcome "
            "goes up, goes down or does not change, presses **Play**, and at the end the app shows what the "
            "model did and what to notice."
        ),
        N_(
            "- The four monitors show this week's uptake of co-creation, weak groups' share of the participants "
            "against their share of the inhabitants, the operations backlog in hours, and citizens' trust."
        ),
        N_(
            "- The organisation picture shows the council in the middle, the departments with their workers "
            "around it, the initiatives, and the citizens on the outer ring by resources; its legend explains "
            "every mark. Workers change colour as their shift to co-creation comes along, and front figures are "
            "stars."
        ),
        N_(
            "- **Download CSV** saves the run's weekly numbers (both runs when side by side), with the levers "
            "and the seed, for a spreadsheet."
        ),
        N_("- The language switch at the top (English / Dansk) changes the language of the page."),
        N_(
            "A good rhythm for a lesson: let the class watch the starting point for a year or two, ask them to "
            "predict, move one lever (or run a lesson), and talk about what happened and why. Then change the "
            "**Seed** and see whether it happens again."
        ),
    ),
)

THINGS_TO_NOTICE = Section(
    N_("Things to notice"),
    (
        N_(
            "- Under the defaults few workers co-create, and in the first years those who do are mostly front "
            "figures (the stars). The old regime holds itself in place: backlog and complaints pull leaders "
            "back to operations, and the zero-error culture makes trying risky."
        ),
        N_(
            "- When co-creation takes off, it seldom rises in a straight line. It often starts slowly, then "
            "rises steeply, then levels off, because workers learn from each other and from successes."
        ),
        N_(
            "- Co-creation is an investment: it costs operations hours before it may give any back. Watch the "
            "backlog while the uptake grows."
        ),
        N_(
            "- Weak groups are usually under-represented: their share of the participants is lower than their "
            "share of the inhabitants, unless someone reaches out to them or recruits more broadly."
        ),
        N_(
            "- Citizens' trust hardly moves for the municipality as a whole: only a few hundred of 40,000 "
            "inhabitants take part in an initiative, so the people whose trust changes are few."
        ),
        N_(
            "- Two runs with the same seed start from the same workers and citizens. A difference between them "
            "comes from the lever, though the lever's effect can set off chains of chance events that differ "
            "between the runs. That is why a result should be checked on more than one seed."
        ),
    ),
)

THINGS_TO_TRY = Section(
    N_("Things to try"),
    (
        N_("- Work through the **Lessons**. Ask the class to predict before anyone presses **Play**."),
        N_(
            "- Move **Zero error culture** down in the middle of a run and see how long the uptake takes to "
            "follow. The culture is lived, not switched: it changes over about a year."
        ),
        N_(
            "- Give every worker a little ordered co-creation (**Practice mandate**, among the further levers), "
            "first without **Leader dialogue** and then with it. Then try **Leader dialogue** without ordered "
            "tasks: the rise is much smaller."
        ),
        N_(
            "- Compare **Outreach weak groups** with **Network design** (broad advertisement), and with both "
            "together: which closes the gap between weak groups' share of the participants and their share of "
            "the inhabitants?"
        ),
        N_(
            "- Start from Gentofte and from Svelvik: do the task committees work as well in a small "
            "municipality with fewer resources?"
        ),
        N_(
            "- Start from 'Reform in year two' and see how fast an organisation that has learnt the old way "
            "changes once the reform comes."
        ),
        N_(
            "- Run a lesson again with another **Seed**. A result that shows on only one seed is not a result: "
            "for claims about a lever, use many seeds (python3 run.py compare)."
        ),
        N_(
            "- **Download CSV** and draw a column the app does not show, such as citizen drop-out or the hours "
            "spent co-creating."
        ),
    ),
)

EXTENDING = Section(
    N_("Extending the model"),
    (
        N_(
            "- Write a scenario of your own: a short YAML file that builds on another and sets a few levers "
            "(docs/scenarios.md; python3 run.py new starts one from a commented copy). The app offers every file "
            "in its scenarios folder as a starting point."
        ),
        N_(
            "- Every lever, with its range, unit and source, is declared once in src/cocreate_sim/params.py, and "
            "every internal constant in src/cocreate_sim/constants_table.py."
        ),
        N_(
            "- Each mechanism is one small module in src/cocreate_sim/mechanisms/ whose description gives its "
            "source and its equation. Change one, then run the pattern experiments (python3 run.py patterns) to "
            "see whether the model still shows the six patterns."
        ),
        N_(
            "- Add what the model leaves out (docs/ODD.md, Limitations): a map, associations and businesses as "
            "actors, money budgets, elections and conflict among politicians, citizens who take part in more "
            "than one initiative at a time."
        ),
        N_(
            "- Calibrate it: fit the constants to the published figures below, and keep some figures aside to "
            "test the result, since a figure the model was fitted to no longer tests it."
        ),
    ),
)

# The five seed documents (shared/seeds/) and the figures of shared/EVIDENCE.md; the misses are docs/validation.md's
# sections 1, 4, 6, 7 and 8.
CREDITS = Section(
    N_("Credits and references"),
    (
        N_(
            "The model, cocreate_sim, is written in Python with Mesa, the agent-based modelling library. It is "
            "described by the ODD+D protocol (Müller et al. 2013; Grimm et al. 2020) in docs/ODD.md."
        ),
        N_("The five Danish sources its mechanisms rest on:"),
        # 000_1eb98d991477f04b.txt
        N_(
            "- Nielsen, M. C. (2016). *Medarbejdere i teknik- og miljøforvaltningerne udfordres af at skulle "
            "skabe nye løsninger sammen med borgerne*. Executive master's thesis (Master of Public Governance), "
            "Rudersdal Municipality. Mind-set and practice, leader dialogue, the needs of weaker groups."
        ),
        # 001_fcedaec95fb1d514.txt
        N_(
            "- Allentoft, N. (2017). *Embedsmanden som samskaber: Her er fire afgørende kompetencer*. An article "
            "on two theses from Roskilde University (Løsning Lykkes, Mols i Udvikling). The civil servant's four "
            "competences; drop the zero-error culture, short decision paths, free frames."
        ),
        # 002_873ffc27ad6e6ebf.txt
        N_(
            "- *Offentlig styring i opbrud: fra Old Public Administration og New Public Management til New Public "
            "Governance*. Lecture slides, undated. The three regimes, the ladder of co-creation, network design."
        ),
        # 003_2ba0a2bc3f04f1f8.txt
        N_(
            "- Center for Borgerdialog (2019). *Fra myndighed til partner? En analyse af barrierer, drivkræfter "
            "og muligheder i den kommunale organisation*. Report for Vordingborg Municipality. Front figures, "
            "measurement, silos, operations as the closed door, a maintenance pool."
        ),
        # 004_72bd60a54f0c9cbc.txt
        N_(
            "- Torfing, J. (undated). *Tid til nytænkning*. Slides on co-created policy, the Gentofte task "
            "committees and Svelvik, Roskilde University."
        ),
        N_(
            "Published figures the model is held to. They are used to set plausible ranges, not values, and "
            "the model does not match all of them yet:"
        ),
        N_(
            "- About 40% of Danish adults volunteered in the past year, giving about 15.5 hours a month (VIVE, "
            "Frivillighedsundersøgelsen 2020)."
        ),
        N_(
            "- 34% of the higher-educated and 29% of the lower-educated volunteer (Danmarks Statistik, "
            "Kulturvaneundersøgelsen 2020): in low-threshold forms weak groups take part at about 0.85 times the "
            "rate of strong groups. **The model misses this:** at its defaults weak groups join such forms at "
            "less than half the rate of strong groups (about 0.43 times)."
        ),
        N_(
            "- On FixMyStreet, citizens whose first report was fixed were about 57% more likely to report again "
            "(Sjoberg, Mellon and Peixoto 2017, *Public Administration Review*). **In the model** a success "
            "raises the chance of taking part again far more than that."
        ),
        N_(
            "- Guidance and materials from the municipality raised immigrant families' co-production, most among "
            "the least resourceful (Jakobsen 2013; Jakobsen and Andersen 2013)."
        ),
        N_(
            "- Co-production rises with self-efficacy, the belief that one can make a difference (Parrado, Van "
            "Ryzin, Bovaird and Löffler 2013)."
        ),
        N_(
            "- 13.6% of Danish employees are often stressed, about one in four teachers and pedagogues (NFA, "
            "Arbejdsmiljø og Helbred 2018). **The model is fitted to this:** at its defaults about 17% of the "
            "workers are under strain."
        ),
        N_(
            "- 4 in 10 Danish public managers say the zero-error culture hinders innovation (DJØF 2007); 48% of "
            "public employees have experienced or fear negative consequences of voicing criticism (LO/Epinion "
            "2017)."
        ),
        N_("- 59% of public managers find decision processes unnecessarily slow (Ledernes Hovedorganisation 2010)."),
        N_(
            "- 57% of Danish public-sector innovations involved citizens or users, and concern for stable "
            "operations held back about one in five collaborative innovations (Innovationsbarometeret 2018-19)."
        ),
        N_(
            "- Gentofte set up 24 task committees in its first three years and 34 by the early 2020s, each with "
            "about 10 citizens and 5 politicians, most running 9 to 12 months; before the reform the council "
            "followed the administration's recommendation in about 98% of cases; the politicians' total time "
            "must not rise (Torfing)."
        ),
        N_(
            "Other misses, from docs/validation.md: adding ordered practice to courses lowers the uptake instead "
            "of raising it, because the orders burn most workers out; at the defaults co-creation about pays for "
            "its hours within ten years, and no single lever turns a clear loss into a clear gain there (a pool "
            "for the upkeep of facilities does so a third of the way to a full reform); and with co-creation as "
            "a further layer on top of NPM, co-creation and the upkeep of facilities are still growing after "
            "thirty years instead of settling."
        ),
    ),
)

SECTIONS: tuple[Section, ...] = (
    WHAT_IS_IT,
    HOW_IT_WORKS,
    HOW_TO_USE_IT,
    THINGS_TO_NOTICE,
    THINGS_TO_TRY,
    EXTENDING,
    CREDITS,
)
"""The Info tab, in NetLogo's order: what it is, how it works, how to use it, notice, try, extend, credits."""


def info_sections(lang: str) -> list[tuple[str, list[str]]]:
    """Every section as (heading, blocks), translated into ``lang`` (English for "en")."""
    _ = gettext_for(lang, "info")
    return [(_(section.heading), [_(block) for block in section.blocks]) for section in SECTIONS]
