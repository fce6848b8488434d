/* Live drawing: while a run plays, each plot's traces are drawn on a canvas laid over the plot.
 *
 * Why: in software-rendered chromium (no GPU) one Plotly redraw of a chart costs 15-25 ms and of an
 * organisation picture about 50 ms, so six plots repainted by Plotly gave 3-4 frames a second (docs/app.md,
 * "Speed"). A canvas redraw of the same points costs about a millisecond. Plotly still draws everything
 * that does not move (axes, legend, titles, lever markers, the pictures' outlines and names); its own traces
 * are hidden while live (class "cocreate-live") and hover is off. When the run pauses or ends, Plotly redraws
 * the traces from the same data (gd.data is kept current) and the canvas is cleared, so hover and Plotly's
 * own drawing take over again. Marker shapes follow plotly's symbol names, drawn from their geometry here.
 * Exposes window.cocreateLive = {draw, leave}.
 */
(function () {
  "use strict";
  var DASHES = { solid: [], dot: [1, 1], dash: [3, 3], longdash: [5, 5], dashdot: [3, 1, 1, 1],
                 longdashdot: [5, 2, 1, 2] };  /* in units of max(line width, 3) px, as plotly scales them */
  var TEXT_FAMILY = "\"Open Sans\", verdana, arial, sans-serif";
  var TEXT_COLOUR = "#444444";
  var STYLE_ID = "cocreate-live-style";

  function injectStyle() {
    if (document.getElementById(STYLE_ID)) return;
    var style = document.createElement("style");
    style.id = STYLE_ID;
    style.textContent = ".cocreate-live .scatterlayer { visibility: hidden; }" +
      " canvas.cocreate-live-canvas { position: absolute; left: 0; top: 0; pointer-events: none; }";
    document.head.appendChild(style);
  }

  /* ---------------------------------------------------------------- marker shapes (r: half the size) */
  function polygon(ctx, points) {
    ctx.moveTo(points[0][0], points[0][1]);
    for (var i = 1; i < points.length; i++) ctx.lineTo(points[i][0], points[i][1]);
    ctx.closePath();
  }

  function regular(ctx, n, r, turn) {  /* a regular n-gon of circumradius r, first corner at angle turn */
    var pts = [];
    for (var i = 0; i < n; i++) {
      var a = turn + 2 * Math.PI * i / n;
      pts.push([r * Math.cos(a), r * Math.sin(a)]);
    }
    polygon(ctx, pts);
  }

  function starPath(ctx, n, outer, inner, turn) {
    var pts = [];
    for (var i = 0; i < 2 * n; i++) {
      var a = turn + Math.PI * i / n;
      var rr = i % 2 ? inner : outer;
      pts.push([rr * Math.cos(a), rr * Math.sin(a)]);
    }
    polygon(ctx, pts);
  }

  function concave(ctx, corners, pull) {  /* corners joined by curves bent towards the middle */
    ctx.moveTo(corners[0][0], corners[0][1]);
    for (var i = 0; i < corners.length; i++) {
      var a = corners[i], b = corners[(i + 1) % corners.length];
      ctx.quadraticCurveTo((a[0] + b[0]) * pull, (a[1] + b[1]) * pull, b[0], b[1]);
    }
    ctx.closePath();
  }

  var UP = -Math.PI / 2;
  /* Each shape: path(ctx, r); lines: strokes drawn in the outline colour over the fill (circle-x). */
  var SHAPES = {
    circle: function (ctx, r) { ctx.arc(0, 0, r, 0, 2 * Math.PI); },
    square: function (ctx, r) { ctx.rect(-r, -r, 2 * r, 2 * r); },
    diamond: function (ctx, r) { regular(ctx, 4, 1.3 * r, 0); },
    "triangle-up": function (ctx, r) { regular(ctx, 3, r * 1.15, UP); },
    "triangle-down": function (ctx, r) { regular(ctx, 3, r * 1.15, -UP); },
    "triangle-right": function (ctx, r) { regular(ctx, 3, r * 1.15, 0); },
    pentagon: function (ctx, r) { regular(ctx, 5, r, UP); },
    hexagon: function (ctx, r) { regular(ctx, 6, r, UP); },
    star: function (ctx, r) { starPath(ctx, 5, 1.4 * r, 0.53 * r, UP); },
    "star-square": function (ctx, r) {
      var c = 1.1 * r;
      concave(ctx, [[-c, -c], [-c, c], [c, c], [c, -c]], 0.25);
    },
    "star-diamond": function (ctx, r) {
      var c = 1.4 * r;
      concave(ctx, [[-c, 0], [0, c], [c, 0], [0, -c]], 0.2);
    },
    hourglass: function (ctx, r) { polygon(ctx, [[r, r], [-r, r], [r, -r], [-r, -r]]); },
    x: function (ctx, r) {  /* a cross of two bars, turned by 45 degrees */
      var w = 0.28 * r, l = 1.1 * r, pts = [[w, 0], [l, l - w], [l - w, l], [0, w], [w - l, l], [-l, l - w],
                                           [-w, 0], [-l, w - l], [w - l, -l], [0, -w], [l - w, -l], [l, w - l]];
      polygon(ctx, pts);
    },
    "circle-x": function (ctx, r) { ctx.arc(0, 0, r, 0, 2 * Math.PI); }
  };
  var LINES_OVER = {
    "circle-x": function (ctx, r) {
      var c = r / Math.SQRT2;
      ctx.moveTo(-c, -c); ctx.lineTo(c, c); ctx.moveTo(c, -c); ctx.lineTo(-c, c);
    }
  };

  /* ---------------------------------------------------------------- colours */
  function rgb(colour) {
    var m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
    return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : [0, 0, 0];
  }

  function scaleColour(axis, value) {  /* a number through the colour axis's scale, as plotly interpolates it */
    var scale = axis.colorscale, lo = axis.cmin, hi = axis.cmax;
    var t = hi > lo ? Math.min(1, Math.max(0, (value - lo) / (hi - lo))) : 0;
    for (var i = 1; i < scale.length; i++) {
      if (t <= scale[i][0] || i === scale.length - 1) {
        var a = rgb(scale[i - 1][1]), b = rgb(scale[i][1]);
        var span = scale[i][0] - scale[i - 1][0];
        var f = span > 0 ? (t - scale[i - 1][0]) / span : 0;
        return "rgb(" + [0, 1, 2].map(function (k) { return Math.round(a[k] + f * (b[k] - a[k])); }).join(",") + ")";
      }
    }
    return scale[0][1];
  }

  function at(value, i, fallback) {  /* a per-point attribute (array) or one for all points */
    var v = Array.isArray(value) ? value[i] : value;
    return v === undefined || v === null ? fallback : v;
  }

  /* ---------------------------------------------------------------- the canvas over a plot */
  function canvasFor(gd) {
    var box = gd.querySelector(".svg-container");
    if (!box || !gd._fullLayout) return null;
    var canvas = gd._cocreateCanvas;
    var layout = gd._fullLayout, ratio = window.devicePixelRatio || 1;
    if (!canvas || canvas.parentNode !== box) {
      canvas = gd._cocreateCanvas = document.createElement("canvas");
      canvas.className = "cocreate-live-canvas";
      canvas.setAttribute("aria-hidden", "true");
      var main = box.querySelector("svg.main-svg");
      box.insertBefore(canvas, main ? main.nextSibling : null);  /* over the traces, under legend and notes */
    }
    var w = Math.round(layout.width * ratio), h = Math.round(layout.height * ratio);
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
      canvas.style.width = layout.width + "px";
      canvas.style.height = layout.height + "px";
    }
    return canvas;
  }

  function mapper(axis, vertical) {
    var r0 = axis.range[0], r1 = axis.range[1], off = axis._offset, len = axis._length;
    var scale = len / (r1 - r0);
    return vertical ? function (v) { return off + len - (v - r0) * scale; }
                    : function (v) { return off + (v - r0) * scale; };
  }

  function strokeLine(ctx, xs, ys, px, py, line) {
    var width = line.width === undefined ? 2 : line.width;
    if (width <= 0) return;
    var unit = Math.max(width, 3);
    ctx.setLineDash((DASHES[line.dash] || []).map(function (d) { return d * unit; }));
    ctx.lineWidth = width;
    ctx.strokeStyle = line.color || "#444";
    ctx.lineJoin = "round";
    ctx.beginPath();
    var open = false;
    for (var i = 0; i < xs.length; i++) {
      if (xs[i] === null || ys[i] === null || xs[i] === undefined || ys[i] === undefined) { open = false; continue; }
      var x = px(xs[i]), y = py(ys[i]);
      if (open) ctx.lineTo(x, y); else { ctx.moveTo(x, y); open = true; }
    }
    ctx.stroke();
    ctx.setLineDash([]);
  }

  /* Which points carry a marker when a trace shows at most `most` (plotly's marker.maxdisplayed): every
   * step-th point, each further trace shifted by a third of a step and a little more after every third trace,
   * so that the markers of neighbouring series do not sit on top of each other (the same points as plotly's). */
  function shownMarkers(n, most, order) {
    if (!most || n <= most) return null;
    var step = Math.ceil(n / most);
    var shift = Math.round(order * step / 3 + Math.floor(order / 3) * step / 7.1);
    return function (i) { return Math.round((i + shift) % step) === 0; };
  }

  function drawMarkers(ctx, trace, full, xs, ys, px, py, layout, order) {
    var marker = trace.marker || {};
    var fullMarker = (full && full.marker) || {};
    var name = marker.symbol || fullMarker.symbol || "circle";
    var open = /-open$/.test(name);
    var base = name.replace(/-open$/, "");
    var shape = SHAPES[base] || SHAPES.circle;
    var over = LINES_OVER[base];
    var outline = marker.line || fullMarker.line || {};
    var colourOf = marker.coloraxis && layout.coloraxis
      ? function (i) { return scaleColour(layout.coloraxis, at(marker.color, i, 0)); }
      : function (i) { return at(marker.color, i, fullMarker.color || (trace.line && trace.line.color) || "#444"); };
    var shown = shownMarkers(xs.length, marker.maxdisplayed, order);
    ctx.setLineDash([]);
    for (var i = 0; i < xs.length; i++) {
      if (xs[i] === null || ys[i] === null || xs[i] === undefined) continue;
      if (shown && !shown(i)) continue;
      var r = at(marker.size, i, fullMarker.size === undefined ? 6 : fullMarker.size) / 2;
      if (!(r > 0)) continue;
      var alpha = at(marker.opacity, i, 1);
      if (alpha <= 0) continue;
      var colour = colourOf(i);
      ctx.save();
      ctx.globalAlpha = alpha;
      ctx.translate(px(xs[i]), py(ys[i]));
      ctx.beginPath();
      shape(ctx, r);
      var lw = at(outline.width, i, open ? 1 : 0);
      if (open) {
        ctx.lineWidth = Math.max(lw, 1);
        ctx.strokeStyle = colour;
        ctx.stroke();
      } else {
        ctx.fillStyle = colour;
        ctx.fill();
        if (lw > 0 || over) {
          ctx.lineWidth = Math.max(lw, over ? 1 : 0);
          ctx.strokeStyle = at(outline.color, i, "#444");
          if (over) { over(ctx, r); }
          ctx.stroke();
        }
      }
      ctx.restore();
    }
  }

  function drawTexts(ctx, trace, xs, ys, px, py, font) {
    var texts = trace.text;
    if (!texts) return;
    var marker = trace.marker || {};
    var own = trace.textfont || {};
    ctx.font = (own.size || font.size || 12) + "px " + (own.family || font.family || TEXT_FAMILY);
    ctx.fillStyle = own.color || font.color || TEXT_COLOUR;
    ctx.textAlign = "center";
    for (var i = 0; i < xs.length; i++) {
      var text = at(texts, i, "");
      if (text === "" || xs[i] === null || xs[i] === undefined) continue;
      var r = at(marker.size, i, 6) / 2;
      var below = /^bottom/.test(at(trace.textposition, i, "middle center"));
      ctx.textBaseline = below ? "top" : "bottom";  /* text keeps full opacity, as plotly draws it */
      ctx.fillText(String(text), px(xs[i]), py(ys[i]) + (below ? r + 1 : -r - 1));
    }
  }

  /* Draw every visible trace of gd.data on the plot's canvas; hide plotly's own traces. True when drawn. */
  function draw(gd) {
    var layout = gd._fullLayout;
    if (!layout || !layout.xaxis || !layout.yaxis || !layout.xaxis._length) return false;
    var canvas = canvasFor(gd);
    if (!canvas) return false;
    injectStyle();
    if (!gd.classList.contains("cocreate-live")) gd.classList.add("cocreate-live");
    var ratio = canvas.width / layout.width;
    var ctx = canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    var xa = layout.xaxis, ya = layout.yaxis;
    ctx.save();
    ctx.beginPath();
    ctx.rect(xa._offset, ya._offset, xa._length, ya._length);
    ctx.clip();
    var px = mapper(xa, false), py = mapper(ya, true);
    var order = 0;
    for (var t = 0; t < gd.data.length; t++) {
      var trace = gd.data[t];
      var full = gd._fullData && gd._fullData[t];
      /* hidden by a legend click (plotly writes that into gd.data); plotly's own visible: false in _fullData
       * only means the trace was empty when plotly last drew it */
      if (trace.visible === false || trace.visible === "legendonly") continue;
      var xs = trace.x || [], ys = trace.y || [];
      if (!xs.length) continue;
      var mode = trace.mode || (full && full.mode) || "markers";
      if (mode.indexOf("lines") >= 0) strokeLine(ctx, xs, ys, px, py, trace.line || (full && full.line) || {});
      if (mode.indexOf("markers") >= 0) drawMarkers(ctx, trace, full, xs, ys, px, py, gd.layout || {}, order++);
      if (mode.indexOf("text") >= 0) drawTexts(ctx, trace, xs, ys, px, py, layout.font || {});
    }
    ctx.restore();
    return true;
  }

  /* Back to plotly's own drawing: clear the canvas and show plotly's traces (the caller redraws them). */
  function leave(gd) {
    gd.classList.remove("cocreate-live");
    var canvas = gd._cocreateCanvas;
    if (canvas) canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
  }

  window.cocreateLive = { draw: draw, leave: leave };
})();
