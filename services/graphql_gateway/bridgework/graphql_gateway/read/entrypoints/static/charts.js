// Hand-written SVG charts for the dashboard: no library, no network.
// Every mark carries data-key / data-value so tests (and screen readers' titles) can read it.
"use strict";

const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";

  function el(name, attrs = {}, parent = null) {
    const node = document.createElementNS(NS, name);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    if (parent) parent.appendChild(node);
    return node;
  }

  function label(parent, x, y, content, attrs = {}) {
    const node = el("text", { x, y, ...attrs }, parent);
    node.textContent = content;
    return node;
  }

  function titled(node, title) {
    el("title", {}, node).textContent = title;
    return node;
  }

  function clear(svg) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.dataset.rendered = "false";
  }

  function viewBox(svg) {
    const [, , width, height] = svg.getAttribute("viewBox").split(/\s+/).map(Number);
    return { width, height };
  }

  function done(svg, marks) {
    svg.dataset.rendered = "true";
    svg.dataset.marks = String(marks);
  }

  function empty(svg, message) {
    const { width, height } = viewBox(svg);
    label(svg, width / 2, height / 2, message, { "text-anchor": "middle", class: "muted" });
  }

  const pct = (value) => (value === null || value === undefined ? "–" : `${Math.round(value * 100)}%`);

  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // A bucket's first day with its year: "Nov 2026" for months, "2 Nov 2026" otherwise.
  function dateLabel(iso, granularity) {
    const [year, month, day] = iso.split("-").map(Number);
    const name = `${MONTHS[month - 1]} ${year}`;
    return granularity === "MONTH" ? name : `${day} ${name}`;
  }

  // Makes a mark (or any element) a button: focusable, named, and run by click, Enter or Space.
  function actionable(node, name, action) {
    node.setAttribute("tabindex", "0");
    node.setAttribute("role", "button");
    node.setAttribute("aria-label", name);
    node.classList.add("drillable");
    node.addEventListener("click", action);
    node.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        action();
      }
    });
    return node;
  }

  // The social discipline window: control up, support right; each quadrant shaded by its share.
  function disciplineWindow(svg, mix, colors, pick = null) {
    clear(svg);
    const total = ["with", "to", "for", "not"].reduce((sum, k) => sum + mix[k], 0);
    const quadrants = [
      { key: "to", title: "TO", sub: "punitive", x: 40, y: 10 },
      { key: "with", title: "WITH", sub: "restorative", x: 190, y: 10 },
      { key: "not", title: "NOT", sub: "neglectful", x: 40, y: 150 },
      { key: "for", title: "FOR", sub: "permissive", x: 190, y: 150 },
    ];
    for (const q of quadrants) {
      const count = mix[q.key];
      const share = total ? count / total : 0;
      const group = el("g", { class: "quadrant" }, svg);
      const title = `${q.title}: ${count} repairs (${pct(total ? share : null)})`;
      const rect = titled(
        el("rect", {
          x: q.x, y: q.y, width: 145, height: 135, rx: 6,
          fill: colors[q.key], "fill-opacity": 0.12 + 0.78 * share,
          stroke: colors[q.key], "data-key": q.key, "data-value": count,
        }, group),
        title,
      );
      if (pick) actionable(rect, `${title}: show the repairs`, () => pick(q.key, q.title));
      label(group, q.x + 72, q.y + 45, q.title, { "text-anchor": "middle", "font-weight": "bold" });
      label(group, q.x + 72, q.y + 62, q.sub, { "text-anchor": "middle", class: "muted" });
      label(group, q.x + 72, q.y + 100, String(count), {
        "text-anchor": "middle", "font-size": 26, "font-weight": "bold", "data-count": q.key,
      });
    }
    label(svg, 190, 312, "support →", { "text-anchor": "middle", class: "muted" });
    label(svg, 16, 150, "control →", { "text-anchor": "middle", class: "muted", transform: "rotate(-90 16 150)" });
    label(svg, 352, 312, `${mix.pending} pending`, { "text-anchor": "end", class: "muted" });
    done(svg, 4);
  }

  // Stacked columns over time: points = [{label, values: {key: n}}], series = [{key, label, color}].
  // options: {granularity, pick(point, series)} (pick makes every bar a drill-down button).
  function stackedColumns(svg, points, series, options = {}) {
    clear(svg);
    const { width, height } = viewBox(svg);
    const left = 36, bottom = height - 40, top = 24, right = width - 8;
    const totals = points.map((p) => series.reduce((s, k) => s + (p.values[k.key] || 0), 0));
    const max = Math.max(1, ...totals);
    el("line", { x1: left, y1: bottom, x2: right, y2: bottom, class: "axis" }, svg);
    label(svg, left - 6, top + 4, String(max), { "text-anchor": "end", class: "muted" });
    label(svg, left - 6, bottom, "0", { "text-anchor": "end", class: "muted" });
    const step = (right - left) / Math.max(1, points.length);
    const barWidth = Math.max(2, step * 0.7);
    let marks = 0;
    points.forEach((point, index) => {
      let y = bottom;
      const x = left + index * step + (step - barWidth) / 2;
      for (const s of series) {
        const value = point.values[s.key] || 0;
        if (!value) continue;
        const h = ((bottom - top) * value) / max;
        y -= h;
        const title = `${dateLabel(point.label, options.granularity)} — ${s.label}: ${value}`;
        const bar = titled(
          el("rect", {
            x, y, width: barWidth, height: h, fill: s.color, class: "bar",
            "data-key": s.key, "data-value": value, "data-bucket": point.label,
          }, svg),
          title,
        );
        if (options.pick) actionable(bar, `${title}: show the repairs`, () => options.pick(point, s));
        marks += 1;
      }
    });
    // As many dated labels as fit (a label with its year needs some 75 units).
    const every = Math.max(1, Math.ceil(points.length / Math.max(2, Math.floor((right - left) / 75))));
    points.forEach((point, index) => {
      if (index % every === 0) {
        label(svg, left + index * step + step / 2, bottom + 14, dateLabel(point.label, options.granularity), {
          "text-anchor": "middle", class: "muted", "font-size": 10,
        });
      }
    });
    series.forEach((s, index) => {
      const x = left + index * 110;
      el("rect", { x, y: height - 16, width: 10, height: 10, fill: s.color }, svg);
      label(svg, x + 14, height - 7, s.label, { "font-size": 11 });
    });
    if (!marks) empty(svg, "Nothing in this period yet");
    done(svg, marks);
  }

  // One horizontal bar split into parts: [{key, label, value, color}].
  function splitBar(svg, parts, pick = null) {
    clear(svg);
    const { width } = viewBox(svg);
    const total = parts.reduce((s, p) => s + p.value, 0);
    let x = 0, marks = 0;
    for (const part of parts) {
      const w = total ? (width * part.value) / total : 0;
      if (w > 0) {
        const title = `${part.label}: ${part.value} (${pct(part.value / total)})`;
        const segment = titled(
          el("rect", {
            x, y: 10, width: w, height: 44, fill: part.color, class: "segment",
            "data-key": part.key, "data-value": part.value,
          }, svg),
          title,
        );
        if (pick) actionable(segment, `${title}: show the repairs`, () => pick(part));
        if (w > 60) {
          label(svg, x + w / 2, 38, `${part.value} · ${pct(part.value / total)}`, {
            "text-anchor": "middle", fill: part.ink || "white", "font-weight": "bold",
            "pointer-events": "none",
          });
        }
        marks += 1;
      }
      x += w;
    }
    parts.forEach((part, index) => {
      const lx = index * 175;
      el("rect", { x: lx, y: 72, width: 12, height: 12, fill: part.color }, svg);
      label(svg, lx + 16, 83, `${part.label} (${part.value})`, { "font-size": 12 });
    });
    if (!total) empty(svg, "No settled agreements in this period yet");
    done(svg, marks);
  }

  // A line over time: points = [{label, value}].
  // options: {granularity, pick(point)} (pick makes every point a drill-down button).
  function line(svg, points, color, options = {}) {
    clear(svg);
    const { width, height } = viewBox(svg);
    const left = 36, bottom = height - 28, top = 16, right = width - 32;
    const max = Math.max(1, ...points.map((p) => p.value));
    el("line", { x1: left, y1: bottom, x2: right, y2: bottom, class: "axis" }, svg);
    label(svg, left - 6, top + 4, String(max), { "text-anchor": "end", class: "muted" });
    label(svg, left - 6, bottom, "0", { "text-anchor": "end", class: "muted" });
    const step = points.length > 1 ? (right - left) / (points.length - 1) : 0;
    const xy = points.map((p, i) => [left + i * step, bottom - ((bottom - top) * p.value) / max]);
    el("polyline", {
      points: xy.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "),
      fill: "none", stroke: color, "stroke-width": 2, class: "trend",
      "data-total": points.reduce((s, p) => s + p.value, 0),
    }, svg);
    points.forEach((p, i) => {
      if (p.value) {
        const title = `${dateLabel(p.label, options.granularity)}: ${p.value}`;
        const dot = titled(
          el("circle", {
            cx: xy[i][0], cy: xy[i][1], r: 5, fill: color, class: "point",
            "data-key": p.label, "data-value": p.value,
          }, svg),
          title,
        );
        if (options.pick) actionable(dot, `${title}: show the repairs`, () => options.pick(p));
      }
    });
    // As many dated labels as fit (a label with its year needs some 75 units).
    const every = Math.max(1, Math.ceil(points.length / Math.max(2, Math.floor((right - left) / 75))));
    points.forEach((p, i) => {
      if (i % every === 0) {
        label(svg, xy[i][0], bottom + 14, dateLabel(p.label, options.granularity), {
          "text-anchor": "middle", class: "muted", "font-size": 10,
        });
      }
    });
    done(svg, points.filter((p) => p.value).length);
  }

  // Departments on a circle, a line per strained pair: colour = status, width = repairs.
  function network(svg, pairs, colors, pick = null) {
    clear(svg);
    const { width, height } = viewBox(svg);
    const cx = width / 2, cy = height / 2, radius = Math.min(width, height) / 2 - 60;
    const departments = [...new Set(pairs.flatMap((p) => [p.departmentA, p.departmentB]))].sort();
    const at = {};
    departments.forEach((d, i) => {
      const angle = (2 * Math.PI * i) / Math.max(1, departments.length) - Math.PI / 2;
      at[d] = [cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)];
    });
    const most = Math.max(1, ...pairs.map((p) => p.repairs));
    for (const pair of pairs) {
      const [x1, y1] = at[pair.departmentA];
      const [x2, y2] = at[pair.departmentB];
      const title =
        `${pair.departmentA} – ${pair.departmentB}: ${pair.repairs} repairs, ${pair.openHarms} open, ` +
        `${pair.commitmentsKept}/${pair.commitments} commitments kept, ${pair.shadowIt} shadow IT (${pair.status})`;
      const edge = titled(
        el("line", {
          x1, y1, x2, y2, class: "edge", stroke: colors[pair.status] || colors.mending,
          "stroke-width": 2 + (8 * pair.repairs) / most, "stroke-linecap": "round",
          "data-key": `${pair.departmentA}|${pair.departmentB}`, "data-value": pair.repairs,
          "data-status": pair.status,
        }, svg),
        title,
      );
      if (pick) actionable(edge, `${title}: show the repairs`, () => pick(pair));
    }
    for (const d of departments) {
      const [x, y] = at[d];
      el("circle", { cx: x, cy: y, r: 14, class: "node", fill: "white", stroke: "#52606d", "stroke-width": 2, "data-key": d }, svg);
      // Labels sit outside the ring, away from the lines.
      const lx = cx + ((x - cx) * (radius + 30)) / radius;
      const ly = cy + ((y - cy) * (radius + 30)) / radius + 4;
      label(svg, lx, ly, d, { "text-anchor": "middle", "font-size": 12, "font-weight": "bold" });
    }
    if (!pairs.length) empty(svg, "No strained relationships in this period");
    done(svg, pairs.length);
  }

  // A small line of counts (no axes) for a table cell.
  function sparkline(points, color) {
    const svg = el("svg", { viewBox: "0 0 80 20", width: 80, height: 20, class: "spark", role: "img" });
    const max = Math.max(1, ...points.map((p) => p.count));
    const step = points.length > 1 ? 78 / (points.length - 1) : 0;
    el("polyline", {
      points: points.map((p, i) => `${(1 + i * step).toFixed(1)},${(19 - (18 * p.count) / max).toFixed(1)}`).join(" "),
      fill: "none", stroke: color, "stroke-width": 1.5,
    }, svg);
    return svg;
  }

  return { disciplineWindow, stackedColumns, splitBar, line, network, sparkline, pct, dateLabel, actionable };
})();
