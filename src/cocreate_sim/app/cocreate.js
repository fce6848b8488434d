/* The classroom page's own script: paints the frames the server sends (cocreate_sim/app/frames.py).
 *
 * Why here: a tick's frame holds only what changed, so the browser adds the new points to its charts
 * and redraws the organisation pictures' moving parts itself instead of receiving whole figures: on a
 * canvas while the run plays (live.js), with Plotly when it stops. Frames are painted one by one, and
 * clock ticks wait for each other's answers. Also: the language switch, the projector view and the drawer.
 * Inlined into the page by layout.index_string, so it works offline with no extra request.
 */
(function () {
  "use strict";
  var CHARTS = ["uptake", "inclusion", "outcomes", "backlog"];
  var ORGS = ["org-a", "org-b"];
  var MONITORS = ["uptake", "weak", "backlog", "trust"];
  var CONFIG = {
    displaylogo: false, responsive: true, showSendToCloud: false, showEditInChartStudio: false,
    modeBarButtonsToRemove: ["lasso2d", "select2d"]
  };
  var MIN_PAINT_MS = 40;  /* at most 25 repaints a second: a frame drawn live (live.js) costs a few ms */
  var MARKER_COLOUR = "#555555";

  /* A graph follows its box's size (side by side halves it, the drawer and a phone's rotation change it). */
  var resizer = window.ResizeObserver ? new window.ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      var gd = entry.target;
      if (gd._fullLayout && window.Plotly) window.Plotly.Plots.resize(gd);
    });
  }) : null;

  /* The inner div of a graph box (layout._graph); plotly makes it a .js-plotly-plot on the first paint. */
  function plotDiv(id) {
    var outer = document.getElementById(id);
    var gd = outer ? outer.querySelector(".plot") : null;
    if (gd && resizer && !gd._cocreateObserved) { gd._cocreateObserved = true; resizer.observe(gd); }
    return gd;
  }

  function projector() {
    return document.body.classList.contains("projector");
  }

  function fontSize() {
    return projector() ? 18 : 12;
  }

  function markerShapes(markers) {
    var shapes = [];
    var notes = [];
    markers.forEach(function (m, i) {
      shapes.push({
        type: "line", xref: "x", yref: "paper", x0: m[0], x1: m[0], y0: 0, y1: 1, layer: "below",
        line: { color: MARKER_COLOUR, width: 1.5, dash: "dashdot" }  /* under the traces, as the live canvas */
      });
      notes.push({
        x: m[0], xref: "x", y: 1 - 0.12 * (i % 4), yref: "paper", text: m[1], showarrow: false,
        xanchor: "left", yanchor: "top", font: { size: fontSize() - 1, color: "#000" },
        bgcolor: "rgba(255,255,255,0.85)", bordercolor: MARKER_COLOUR, borderwidth: 1
      });
    });
    return { shapes: shapes, annotations: notes };
  }

  function chartLayout(skeleton, markers) {
    var layout = JSON.parse(JSON.stringify(skeleton.layout));
    var extra = markerShapes(markers);
    layout.shapes = (layout.shapes || []).concat(extra.shapes);
    layout.annotations = extra.annotations;
    layout.font = { size: fontSize() };
    layout.title.font = { size: fontSize() + 3 };
    return layout;
  }

  var live = window.cocreateLive;
  var HEADROOM = 0.4;  /* while live, a chart's y axis grows by this share of its span when a point leaves it */

  /* Keep a live chart's points inside its y axis: a new range (one plotly redraw of the axes) only when a point
   * leaves it, with room to spare, so that a rising series costs a few redraws per run rather than one a frame. */
  function dataRange(gd, lo, hi) {
    var min = lo, max = hi;
    gd.data.forEach(function (trace) {
      if (trace.visible === "legendonly") return;
      (trace.y || []).forEach(function (v) { if (v < min) min = v; if (v > max) max = v; });
    });
    return [min, max];
  }

  function roomyRange(min, max) {
    var low = Math.min(0, min), span = Math.max(max - low, 1e-9);
    return [low, max + HEADROOM * span];
  }

  function fitLive(gd) {
    var ya = gd._fullLayout.yaxis, lo = ya.range[0], hi = ya.range[1];
    var seen = dataRange(gd, lo, hi);
    if (seen[0] >= lo && seen[1] <= hi) return;
    window.Plotly.relayout(gd, { "yaxis.range": roomyRange(seen[0], seen[1]) });
  }

  /* Autoscale and double-click while live: plotly's own autorange knows the data only as they were when the
   * run went live, so the chart would lose its lines; the whole run's weeks and the data's range instead. */
  function guardAutorange(gd) {
    if (gd._cocreateGuard || typeof gd.on !== "function") return;
    gd._cocreateGuard = true;
    gd.on("plotly_relayout", function (event) {
      if (!gd._cocreate || !gd._cocreate.live || !event) return;
      if (!event["xaxis.autorange"] && !event["yaxis.autorange"]) return;
      var seen = dataRange(gd, Infinity, -Infinity);
      var y = isFinite(seen[0]) ? roomyRange(seen[0], seen[1]) : [0, 1];
      window.Plotly.relayout(gd, { "xaxis.range": gd._cocreate.skeleton.layout.xaxis.range.slice(), "yaxis.range": y });
    });
  }

  /* A chart leaves live drawing when the run stops: plotly redraws every point (hover works again), with the
   * y axis fitted to the data again. */
  function leaveLiveChart(gd) {
    live.leave(gd);
    gd.layout.hovermode = gd._cocreate.hover;
    gd.layout.yaxis.autorange = true;
    delete gd.layout.yaxis.range;
    gd._cocreate.live = false;
  }

  function paintCharts(frame, have) {
    for (var c = 0; c < CHARTS.length; c++) {
      var key = CHARTS[c];
      var gd = plotDiv("chart-" + key);
      if (!gd) return false;
      var points = frame.points[key];
      if (frame.full) {
        var skeleton = frame.charts[key];
        var data = skeleton.data.map(function (trace, i) {
          var copy = Object.assign({}, trace);
          copy.x = points.x[i].slice();
          copy.y = points.y[i].slice();
          return copy;
        });
        if (gd._cocreate && gd._cocreate.live) live.leave(gd);
        gd._cocreate = { skeleton: skeleton, markers: frame.markers.length, live: false };
        window.Plotly.react(gd, data, chartLayout(skeleton, frame.markers), CONFIG);
        continue;
      }
      if (!gd._cocreate || !gd.data || gd.data.length !== points.x.length) return false;
      for (var t = 0; t < points.x.length; t++) {  /* gd.data stays current in both ways of drawing */
        var xs = gd.data[t].x, ys = gd.data[t].y;
        for (var k = 0; k < points.x[t].length; k++) {
          if (points.x[t][k] > have.week) { xs.push(points.x[t][k]); ys.push(points.y[t][k]); }
        }
      }
      var goLive = frame.playing && !!live;
      if (goLive && !gd._cocreate.live) {
        guardAutorange(gd);
        gd._cocreate.live = true;
        gd._cocreate.hover = gd.layout.hovermode;
        window.Plotly.relayout(gd, { hovermode: false });
      } else if (!goLive && gd._cocreate.live) {
        leaveLiveChart(gd);
      }
      if (frame.markers.length !== gd._cocreate.markers) {
        gd._cocreate.markers = frame.markers.length;
        var extra = markerShapes(frame.markers);
        var base = gd._cocreate.skeleton.layout.shapes || [];
        window.Plotly.relayout(gd, { shapes: base.concat(extra.shapes), annotations: extra.annotations });
      }
      if (gd._cocreate.live) {
        fitLive(gd);
        live.draw(gd);
      } else {
        window.Plotly.redraw(gd);
      }
    }
    return true;
  }

  /* The pictures' legend is drawn once per run in its own small figure (#org-legend), and their titles are
   * plain text above them: redrawing a legend and a changed title cost more than the picture itself. */
  function hasPoints(trace) {
    return Array.isArray(trace.x) && trace.x.some(function (v) { return v !== null; });
  }

  function paintLegend(fixed) {
    var outer = document.getElementById("org-legend");
    if (!outer) return;
    var box = outer.querySelector(".plot") || outer.appendChild(document.createElement("div"));
    box.className = "plot";
    var entries = fixed.data.filter(function (t) { return t.showlegend === true; }).map(function (t) {
      return Object.assign({}, t, { x: [null], y: [null], text: t.text ? [t.text[0]] : undefined });
    });
    var legend = Object.assign({}, fixed.layout.legend || {}, {
      orientation: "h", x: 0, y: 1, xanchor: "left", yanchor: "top", maxheight: 1
    });
    window.Plotly.react(box, entries, {
      showlegend: true, legend: legend, height: projector() ? 190 : 150, margin: { l: 0, r: 0, t: 0, b: 0 },
      xaxis: { visible: false }, yaxis: { visible: false }, paper_bgcolor: "white", plot_bgcolor: "white",
      font: { size: fontSize() }
    }, { displayModeBar: false, staticPlot: true, responsive: true, showSendToCloud: false });
  }

  /* Flatten a trace to plotly attribute paths ("marker.color": [...]) for Plotly.restyle. */
  function flatten(obj, prefix, out) {
    Object.keys(obj).forEach(function (key) {
      var value = obj[key];
      var path = prefix ? prefix + "." + key : key;
      if (value && typeof value === "object" && !Array.isArray(value)) flatten(value, path, out);
      else out[path] = value;
    });
    return out;
  }

  /* Redraw only a picture's moving parts: the weekly traces keep their number and order (orgpicture.py), so
   * one Plotly.restyle replaces their points and styles; a whole Plotly.react (five times dearer) is needed only
   * when a run starts or the page lost track. */
  function restyleDynamic(gd, first, dynamic) {
    var flat = dynamic.map(function (t) { return flatten(t, "", {}); });
    var keys = {};
    flat.forEach(function (f) { Object.keys(f).forEach(function (k) { keys[k] = true; }); });
    delete keys.type;
    var update = {};
    Object.keys(keys).forEach(function (k) {
      update[k] = flat.map(function (f) { return f[k]; });  /* undefined: left as it is */
    });
    var indices = dynamic.map(function (_, j) { return first + j; });
    window.Plotly.restyle(gd, update, indices);
  }

  function paintOrgs(frame) {
    for (var i = 0; i < frame.org.length; i++) {
      var gd = plotDiv(ORGS[i]);
      if (!gd) return false;
      var part = frame.org[i];
      if (part.static) {
        gd._cocreateStatic = {
          data: part.static.data.filter(hasPoints).map(function (t) {
            return Object.assign({}, t, { showlegend: false });
          }),
          layout: Object.assign({}, part.static.layout, {
            showlegend: false, title: { text: "" }, margin: { l: 5, r: 5, t: 5, b: 5 }, font: { size: fontSize() }
          })
        };
        gd._cocreateRun = null;
        if (i === 0) paintLegend(part.static);
      }
      var fixed = gd._cocreateStatic;
      if (!fixed) return false;
      var title = document.getElementById(ORGS[i] + "-title");
      if (title && title.textContent !== part.title) title.textContent = part.title;
      /* hovering costs more than drawing: the picture answers the mouse while the run is paused */
      var hover = frame.playing ? false : "closest";
      var sameShape = gd._cocreateRun === frame.run && gd.data && gd.data.length === fixed.data.length + part.dynamic.length;
      var goLive = sameShape && frame.playing && !!live;
      if (goLive) {  /* the moving parts go into gd.data and onto the canvas; plotly's traces stay hidden */
        for (var j = 0; j < part.dynamic.length; j++) Object.assign(gd.data[fixed.data.length + j], part.dynamic[j]);
        if (gd.layout.hovermode !== false) window.Plotly.relayout(gd, { hovermode: false });
        live.draw(gd);
        gd._cocreateLive = true;
      } else if (sameShape) {
        if (gd._cocreateLive) { live.leave(gd); gd._cocreateLive = false; }
        restyleDynamic(gd, fixed.data.length, part.dynamic);
        if (gd.layout.hovermode !== hover) window.Plotly.relayout(gd, { hovermode: hover });
      } else {
        if (gd._cocreateLive) { live.leave(gd); gd._cocreateLive = false; }
        fixed.layout = Object.assign({}, fixed.layout, { hovermode: hover });
        window.Plotly.react(gd, fixed.data.concat(part.dynamic), fixed.layout, CONFIG);
        gd._cocreateRun = frame.run;
      }
    }
    return true;
  }


  function paintMonitors(frame) {
    for (var m = 0; m < MONITORS.length; m++) {
      var el = document.getElementById("monitor-" + MONITORS[m]);
      if (!el) continue;
      if (frame.monitors.length > 1) {
        el.innerHTML = "";
        var a = document.createElement("span");
        a.textContent = "A " + frame.monitors[0][m];
        var b = document.createElement("span");
        b.className = "b";
        b.textContent = " · B " + frame.monitors[1][m];
        el.appendChild(a);
        el.appendChild(b);
      } else {
        el.textContent = frame.monitors[0][m];
      }
    }
  }

  function restyleFonts() {
    if (!window.Plotly) return;
    CHARTS.map(function (k) { return "chart-" + k; }).concat(ORGS).forEach(function (id) {
      var gd = plotDiv(id);
      if (gd && gd.data) window.Plotly.relayout(gd, { "font.size": fontSize(), "title.font.size": fontSize() + 3 });
    });
  }

  var noUpdate = function () { return window.dash_clientside.no_update; };

  /* Accessibility the Dash components do not give by themselves (axe, docs/app.md): names for option groups
   * and slider handles, option lists that are groups of native inputs rather than listboxes, dropdowns
   * reached by Tab on their visible button, the tabs' selected state. Reapplied when Dash re-renders. */
  var GROUP_NAMES = { "lang-switch": "label-lang", "view": "label-view", "compare-on": "label-compare",
                      "prediction": "label-prediction" };

  function setAttr(el, name, value) {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  function patchAccess() {
    Object.keys(GROUP_NAMES).forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) return;
      setAttr(el, "role", "group");
      var label = document.getElementById(GROUP_NAMES[id]);
      if (label) setAttr(el, "aria-labelledby", GROUP_NAMES[id]);
    });
    document.querySelectorAll(".dash-options-list-option[role], .dash-options-list-option[aria-selected]")
      .forEach(function (opt) {
        opt.removeAttribute("role");
        opt.removeAttribute("aria-selected");
      });
    document.querySelectorAll(".dash-dropdown-wrapper").forEach(function (w) {
      var target = w.querySelector(".dash-dropdown-focus-target");
      var button = w.querySelector("button.dash-dropdown");
      if (target && button) { setAttr(target, "tabindex", "-1"); setAttr(button, "tabindex", "0"); }
    });
    document.querySelectorAll("[role='slider']").forEach(function (thumb) {
      if (thumb.hasAttribute("aria-labelledby")) return;
      var box = thumb.closest(".dash-slider-container");
      var id = box ? box.id : "";
      var label = null;
      if (id.charAt(0) === "{") { try { label = "label-" + JSON.parse(id).name; } catch (e) { label = null; } }
      else if (id === "speed") label = "speed-label";
      else if (id === "compare-value") label = "compare-value-label";
      if (label && document.getElementById(label)) setAttr(thumb, "aria-labelledby", label);
    });
    document.querySelectorAll("#tabs .tab").forEach(function (tab) {
      setAttr(tab, "aria-selected", tab.classList.contains("selected") ? "true" : "false");
    });
    var lang = document.querySelector("#lang-switch input:checked");
    if (lang && document.documentElement.lang !== lang.value) document.documentElement.lang = lang.value;
  }

  var patchQueued = false;
  function queuePatch(mutations) {
    if (patchQueued) return;
    for (var i = 0; i < mutations.length; i++) {
      var t = mutations[i].target;
      if (!(t.closest && t.closest(".js-plotly-plot"))) {
        patchQueued = true;
        window.requestAnimationFrame(function () { patchQueued = false; patchAccess(); });
        return;
      }
    }
  }
  new MutationObserver(queuePatch).observe(document.documentElement, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["class", "role", "tabindex", "aria-selected"]
  });
  /* Plotly and the graphs load after the page's first frame may arrive: wait for them (never drop a frame). */
  function graphsReady() {
    if (!window.Plotly) return false;
    var ids = CHARTS.map(function (k) { return "chart-" + k; }).concat(["org-a"]);
    return ids.every(function (id) { return plotDiv(id) !== null; });
  }

  /* Frames are painted one by one, in order, at most one every MIN_PAINT_MS: each frame is what the class
   * sees, so a frame is never merged into the next (docs/app.md, Speed). The page tells the server which week it
   * has received and which it has painted (Store#have), and the server steps only while the page keeps up, so
   * the queue stays short; a whole frame (a new run, or a page that lost track) replaces whatever is queued. */
  var received = { run: null, week: -1 };
  var painted = -1;
  var queue = [];
  var timer = null;
  var lastPaint = 0;
  var STATS_KEPT = 500;
  /* What painting costs, for the benchmarks (benchmarks/bench_classroom.py) and for anyone curious. */
  var stats = window.cocreateStats = { paints: 0, paintMs: [], errors: [] };
  var PLOTS = CHARTS.map(function (k) { return "chart-" + k; }).concat(ORGS);

  function enqueue(frame) {
    if (frame.full) queue = [];
    var copy = JSON.parse(JSON.stringify(frame));
    if (!frame.full) copy.since = received.week;
    queue.push(copy);
  }

  function report() {
    var have = { run: received.run, week: received.week, painted: painted };
    stats.have = have;
    if (window.dash_clientside.set_props) window.dash_clientside.set_props("have", { data: have });
    return have;
  }

  function paintPending() {
    timer = null;
    if (!queue.length) return;
    if (!graphsReady()) { timer = window.setTimeout(paintPending, 50); return; }
    var frame = queue.shift();
    var started = window.performance.now();
    var since = frame.full ? -1 : (frame.since === undefined ? painted : Math.min(frame.since, painted));
    var ok = false;
    try {
      ok = paintCharts(frame, { week: since }) && paintOrgs(frame);
      paintMonitors(frame);
    } catch (err) {  /* a failed paint is repaired by a whole frame next time, never left half-drawn */
      stats.errors.push(String(err && err.message ? err.message : err));
      if (window.console) window.console.error("cocreate: paint failed:", err);
    }
    lastPaint = Date.now();
    stats.paints += 1;
    stats.paintMs.push(window.performance.now() - started);
    if (stats.paintMs.length > STATS_KEPT) stats.paintMs.shift();
    if (!ok) { received = { run: null, week: -1 }; painted = -1; queue = []; }
    else {
      painted = frame.week;
      /* what the class now sees, plot by plot (benchmarks/bench_classroom.py counts these) */
      document.dispatchEvent(new window.CustomEvent("cocreate:painted", { detail: { week: painted, plots: PLOTS } }));
    }
    report();
    if (queue.length) schedule();
  }

  function schedule() {
    if (timer !== null) return;
    var wait = Math.max(0, MIN_PAINT_MS - (Date.now() - lastPaint));
    timer = window.setTimeout(paintPending, wait);
  }

  /* Clock ticks never overtake each other. Dash drops an answer that a newer request of the same callback
   * overtook, so a browser slower than the tick (or busy painting) would lose every answer and never move on
   * (seen at the fastest speed with the page's CPU slowed four times). So the page stops its clock while a
   * tick is on its way; every answer starts it again (the server sets clock.disabled in each), and a tick
   * whose answer never comes is given up after TICK_GIVE_UP_MS. Hooks of Dash's renderer (server.py). */
  var TICK_GIVE_UP_MS = 5000;
  var tickGuard = null;
  function isTick(payload) {
    var changed = (payload && payload.changedPropIds) || [];
    return changed.indexOf("clock.n_intervals") >= 0;
  }
  function releaseGuard() {
    if (tickGuard !== null) { window.clearTimeout(tickGuard); tickGuard = null; }
  }
  window.cocreateRequestPre = function (payload) {
    if (!isTick(payload) || !window.dash_clientside || !window.dash_clientside.set_props) return;
    window.dash_clientside.set_props("clock", { disabled: true });
    releaseGuard();
    tickGuard = window.setTimeout(function () {
      tickGuard = null;
      window.dash_clientside.set_props("clock", { disabled: false });
    }, TICK_GIVE_UP_MS);
  };
  window.cocreateRequestPost = function (payload) {
    if (isTick(payload)) releaseGuard();
  };

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    cocreate: {
      /* Paint one frame; tell the server what the page now has (a lost frame just means a full one next). */
      paint: function (frame) {
        if (!frame) return noUpdate();
        if (!frame.full && frame.run !== received.run) {  /* a frame of a run whose start this page lost */
          received = { run: null, week: -1 };
          return report();
        }
        enqueue(frame);
        received = { run: frame.run, week: Math.max(frame.week, frame.full ? -1 : received.week) };
        schedule();
        return { run: received.run, week: received.week, painted: painted };
      },
      /* The page address follows the setup (history.replaceState: no reload, no new history entry, and the
       * page, built once from its address, is not asked to build itself again). */
      address: function (search) {
        if (typeof search === "string" && search !== window.location.search) {
          window.history.replaceState(window.history.state, "", window.location.pathname + search);
        }
        return noUpdate();
      },
      /* The language switch reloads the page in the other language; the address keeps the setup. */
      language: function (value, lang) {
        if (value && value !== lang) {
          var params = new URLSearchParams(window.location.search);
          params.set("lang", value);
          window.location.search = params.toString();
        }
        return noUpdate();
      },
      /* Projector view: large text and strong contrast for a classroom. */
      view: function (value) {
        var on = Array.isArray(value) && value.indexOf("projector") >= 0;
        document.body.classList.toggle("projector", on);
        restyleFonts();
        return noUpdate();
      },
      /* The Model and Info tabs (plain buttons, so the keyboard reaches them); graphs are resized on return. */
      tabs: function () {
        var info = (window.dash_clientside.callback_context.triggered_id || "") === "tab-info";
        if (!info) window.setTimeout(function () { window.dispatchEvent(new Event("resize")); }, 0);
        return [
          { display: info ? "none" : "block" }, { display: info ? "block" : "none" },
          info ? "tab" : "tab selected", info ? "tab selected" : "tab"
        ];
      },
      /* On a phone the levers live in a drawer that this button opens and closes. */
      drawer: function (clicks) {
        return clicks % 2 === 1 ? "controls open" : "controls";
      }
    }
  });
})();
