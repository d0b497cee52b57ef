// The change team's dashboard: queries /graphql with the viewer's bearer token, draws the
// charts, and stays live over graphql-transport-ws. The token comes from `#token=` in the
// URL (then removed from the address bar) or the sign-in box, and is kept for the tab only.
"use strict";

(() => {
  const COLORS = {
    with: "#2e7d32", to: "#c62828", for: "#ef6c00", not: "#616161", pending: "#b0bec5",
    kept_on_time: "#2e7d32", kept_late: "#9ccc65", partial: "#ffb300", lapsed: "#c62828",
    repaired: "#2e7d32", mending: "#ffb300", unrepaired: "#c62828", unaddressed: "#616161",
  };
  const FIELDS = `
    department period { from to } repairsOpened
    responseModes { with to for not pending restorativeRate }
    responseModeTrend(granularity: $granularity) { start modes { with to for not pending } }
    completion { keptOnTime keptLate partial lapsed inProgress settled keptRate }
    completionTrend(granularity: $granularity) { start completion { keptOnTime keptLate partial lapsed } }
    commitments { keptOnTime keptLate keptRate lapsed open released renegotiated }
    timeToAgreement { count p50Hours p90Hours }
    timeToRepair { count p50Hours p90Hours }
    participation { rate named joined byRole { role people } }
    consent { rate requested given declined }
    nudgeEffectiveness { kinds { kind nudged keptAfter rate } unnudgedKeptRate }
    returnToPunitive { closed returned rate reasons { reasonCode count } repaired unrepaired }
    checkIns { yes partly no }
    incidentTrend(granularity: $granularity, category: "shadow_it") { start count }
    relationships { departmentA departmentB repairs openHarms repairsClosed commitments
      commitmentsKept keptRate recurrencesWithin90Days recurrencesWithin180Days status
      confirmedByAffected shadowIt shadowItTrend(granularity: $granularity) { start count } }`;
  const QUERY = `query Dashboard($department: String, $period: PeriodInput, $granularity: Granularity!) {
    viewer { personId roles department } departments { slug }
    dashboard(department: $department, period: $period) { ${FIELDS} } }`;
  const LIVE = `subscription Live($department: String, $period: PeriodInput, $granularity: Granularity!) {
    dashboard(department: $department, period: $period) { ${FIELDS} } }`;

  const $ = (id) => document.getElementById(id);
  let socket = null;
  let board = null;
  // The gateway's today (its clock may stand elsewhere than the browser's): the last day of
  // the default period it answered with.
  let today = null;
  // From or To typed but not yet shown: a live update must not write the shown period over it.
  let datesTyped = false;
  // The board last drawn, as JSON: a live message that repeats it (the first always does) is
  // not drawn again.
  let drawn = null;

  function token() {
    const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
    if (fromHash) {
      sessionStorage.setItem("bridgework-token", fromHash);
      history.replaceState(null, "", location.pathname + location.search);
    }
    return sessionStorage.getItem("bridgework-token");
  }

  function variables() {
    const from = $("from").value, to = $("to").value;
    return {
      department: $("department").value || null,
      period: from && to ? { from, to } : null,
      granularity: $("granularity").value,
    };
  }

  const iso = (date) => date.toISOString().slice(0, 10);
  const daysBefore = (day, n) => iso(new Date(Date.parse(`${day}T00:00:00Z`) - n * 86400000));

  // The presets' periods, ending on the gateway's today; both ends are included.
  function presetPeriod(preset, day) {
    const [year, month] = day.split("-").map(Number);
    if (preset === "30d") return { from: daysBefore(day, 29), to: day };
    if (preset === "12m") return { from: daysBefore(day, 364), to: day };
    if (preset === "ytd") return { from: `${year}-01-01`, to: day };
    if (preset === "quarter") {
      const first = Math.floor((month - 1) / 3) * 3 + 1;
      return { from: `${year}-${String(first).padStart(2, "0")}-01`, to: day };
    }
    return null;
  }

  function applyPreset() {
    const period = today ? presetPeriod($("preset").value, today) : null;
    if (period) {
      $("from").value = period.from;
      $("to").value = period.to;
    }
  }

  // What the board shows now: the drill-downs and exports use the same department and period.
  const shown = () => ({ department: board.department, period: board.period });

  function drill(request) {
    Drill.open(request, shown());
  }

  // A trend bucket's days inside the period (its first and last bucket may reach beyond it).
  function bucketPeriod(start) {
    const granularity = $("granularity").value;
    let end;
    if (granularity === "DAY") end = start;
    else if (granularity === "WEEK") end = daysBefore(start, -6);
    else {
      const [y, m] = start.split("-").map(Number);
      end = iso(new Date(Date.UTC(y, m, 0)));
    }
    return {
      from: start < board.period.from ? board.period.from : start,
      to: end > board.period.to ? board.period.to : end,
    };
  }

  function say(text) {
    $("message").textContent = text || "";
  }

  async function query() {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token()}` },
      body: JSON.stringify({ query: QUERY, variables: variables() }),
    });
    if (response.status === 401) {
      sessionStorage.removeItem("bridgework-token");
      throw new Error("Your sign-in has expired or is not valid: sign in again.");
    }
    const body = await response.json();
    if (body.errors && !body.data) throw new Error(body.errors.map((e) => e.message).join("; "));
    if (body.errors) say(body.errors.map((e) => e.message).join("; "));
    return body.data;
  }

  const hours = (h) => (h === null || h === undefined ? "–" : h >= 48 ? `≤ ${Math.round(h / 24)} d` : `≤ ${h} h`);

  // Each key figure: [key, value, label, the repairs behind it (figure, key)].
  function keyFigures(b) {
    return [
      ["repairs-opened", String(b.repairsOpened), "repairs opened", "REPAIRS_OPENED", null],
      ["restorative-rate", Charts.pct(b.responseModes.restorativeRate), "responded WITH people", "RESPONSE_MODE", "with"],
      ["agreements-kept", Charts.pct(b.completion.keptRate), "agreements kept in full", "COMPLETION", "kept"],
      ["commitments-kept", Charts.pct(b.commitments.keptRate), "commitments kept", "COMMITMENTS", "kept"],
      ["time-to-agreement", hours(b.timeToAgreement.p50Hours), "median time to agreement", "TIME_TO_AGREEMENT", null],
      ["time-to-repair", hours(b.timeToRepair.p50Hours), "median time to repair", "TIME_TO_REPAIR", null],
      ["participation", Charts.pct(b.participation.rate), "of those named took part", "PARTICIPATION", "joined"],
      ["consent", Charts.pct(b.consent.rate), "consent given", "CONSENT", "given"],
      ["nudges", Charts.pct(b.nudgeEffectiveness.kinds[0].rate), "kept after a nudge", "NUDGES", "any"],
      ["punitive", Charts.pct(b.returnToPunitive.rate), "returned to punitive process", "CLOSURES", "returned"],
    ];
  }

  function figures(b) {
    $("figures").innerHTML = "";
    for (const [key, value, text, figure, figureKey] of keyFigures(b)) {
      const box = document.createElement("button");
      box.type = "button";
      box.className = "figure";
      box.dataset.key = key;
      box.setAttribute("aria-label", `${text}: ${value}. Show the repairs behind it`);
      box.innerHTML = `<div class="value"></div><div class="label"></div>`;
      box.querySelector(".value").textContent = value;
      box.querySelector(".label").textContent = text;
      box.addEventListener("click", () => drill({ title: text, figure, key: figureKey }));
      $("figures").appendChild(box);
    }
    const roles = b.participation.byRole.map((r) => `${r.people} ${r.role}${r.people === 1 ? "" : "s"}`);
    $("roles").textContent = roles.length ? `People who took part: ${roles.join(", ")}.` : "";
  }

  const RELATIONSHIP_HEADER = [
    "department A", "department B", "repairs", "open", "commitments kept", "commitments",
    "recurrences within 90 days", "confirmed by the affected", "shadow IT", "status",
  ];
  const relationshipRow = (p) => [
    p.departmentA, p.departmentB, p.repairs, p.openHarms, p.commitmentsKept, p.commitments,
    p.recurrencesWithin90Days, p.confirmedByAffected, p.shadowIt, p.status,
  ];

  function pickPair(pair, key = "repairs", what = "repairs") {
    drill({
      title: `${what} between ${pair.departmentA} and ${pair.departmentB}`,
      figure: key === "shadow_it" ? "INCIDENTS" : "RELATIONSHIP",
      key,
      pair: { departmentA: pair.departmentA, departmentB: pair.departmentB },
    });
  }

  function relationshipTable(pairs) {
    const table = $("relationship-table");
    table.innerHTML = "";
    table.createCaption().textContent = "Department pairs";
    const head = table.createTHead().insertRow();
    for (const name of ["Pair", "Repairs", "Open", "Kept", "Recur ≤90d", "Shadow IT", "Shadow IT trend", "Status", ""]) {
      const cell = document.createElement("th");
      cell.scope = "col";
      cell.textContent = name;
      head.appendChild(cell);
    }
    const body = table.createTBody();
    for (const p of pairs) {
      const row = body.insertRow();
      row.dataset.pair = `${p.departmentA}|${p.departmentB}`;
      for (const value of [
        `${p.departmentA} – ${p.departmentB}`, p.repairs, p.openHarms,
        `${p.commitmentsKept}/${p.commitments}`, p.recurrencesWithin90Days, p.shadowIt,
      ]) {
        row.insertCell().textContent = String(value);
      }
      const spark = Charts.sparkline(p.shadowItTrend, COLORS.to);
      spark.setAttribute("aria-label", `shadow IT per ${$("granularity").value.toLowerCase()}: ` +
        p.shadowItTrend.map((t) => t.count).join(", "));
      row.insertCell().appendChild(spark);
      row.insertCell().textContent = p.status;
      const actions = row.insertCell();
      for (const [text, key, what] of [["Repairs", "repairs", "repairs"], ["Shadow IT", "shadow_it", "shadow IT"]]) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "link";
        button.dataset.drill = key;
        button.textContent = text;
        button.setAttribute("aria-label", `${text}: show the repairs between ${p.departmentA} and ${p.departmentB}`);
        button.addEventListener("click", () => pickPair(p, key, what));
        actions.appendChild(button);
      }
    }
  }

  function exportTable(name) {
    const { department, period } = shown();
    if (name === "figures") {
      const rows = keyFigures(board).map(([key, value, text]) => [key, text, value]);
      Csv.download(Csv.fileName("key-figures", department, period), ["figure", "label", "value"], rows);
    } else {
      Csv.download(Csv.fileName("relationships", department, period), RELATIONSHIP_HEADER,
        board.relationships.map(relationshipRow));
    }
  }

  function punitive(summary) {
    const reasons = summary.reasons.map((r) => `${r.reasonCode} (${r.count})`).join(", ") || "none";
    $("punitive").textContent =
      `${summary.returned} of ${summary.closed} repairs closed in the period returned to the formal ` +
      `process (${Charts.pct(summary.rate)}). Reasons: ${reasons}.`;
  }

  function render(data) {
    const text = JSON.stringify(data.dashboard);
    if (text === drawn && !data.departments) return;
    drawn = text;
    board = data.dashboard;
    const granularity = $("granularity").value;
    const pickBucket = (figure, key) => (point, series) => drill({
      title: `${series.label} in the ${granularity.toLowerCase()} of ${Charts.dateLabel(point.label, granularity)}`,
      figure, key: series.key, period: bucketPeriod(point.label),
    });
    if (data.departments) {
      const select = $("department");
      const chosen = select.value;
      select.length = 1;
      for (const d of data.departments) select.add(new Option(d.slug, d.slug));
      select.value = chosen;
    }
    if (!today && !variables().period) today = board.period.to;
    if (!datesTyped) {
      $("from").value = board.period.from;
      $("to").value = board.period.to;
    }
    $("period-label").textContent = `${Charts.dateLabel(board.period.from, "DAY")} – ${Charts.dateLabel(board.period.to, "DAY")}`;
    figures(board);
    Charts.disciplineWindow($("window"), board.responseModes, COLORS, (key, title) =>
      drill({ title: `responded ${title}`, figure: "RESPONSE_MODE", key }));
    Charts.stackedColumns(
      $("mode-trend"),
      board.responseModeTrend.map((p) => ({ label: p.start, values: p.modes })),
      ["with", "to", "for", "not"].map((k) => ({ key: k, label: k.toUpperCase(), color: COLORS[k] })),
      { granularity, pick: pickBucket("RESPONSE_MODE") },
    );
    const completionKeys = { kept_on_time: "keptOnTime", kept_late: "keptLate", partial: "partial", lapsed: "lapsed" };
    Charts.splitBar($("completion"), [
      { key: "kept_on_time", label: "kept on time", value: board.completion.keptOnTime, color: COLORS.kept_on_time },
      { key: "kept_late", label: "kept late", value: board.completion.keptLate, color: COLORS.kept_late, ink: "#1f2933" },
      { key: "partial", label: "partly kept", value: board.completion.partial, color: COLORS.partial, ink: "#1f2933" },
      { key: "lapsed", label: "lapsed", value: board.completion.lapsed, color: COLORS.lapsed },
    ], (part) => drill({ title: `agreements ${part.label}`, figure: "COMPLETION", key: completionKeys[part.key] }));
    Charts.stackedColumns(
      $("completion-trend"),
      board.completionTrend.map((p) => ({
        label: p.start,
        values: {
          keptOnTime: p.completion.keptOnTime, keptLate: p.completion.keptLate,
          partial: p.completion.partial, lapsed: p.completion.lapsed,
        },
      })),
      [["keptOnTime", "kept_on_time", "on time"], ["keptLate", "kept_late", "late"],
        ["partial", "partial", "partly"], ["lapsed", "lapsed", "lapsed"]]
        .map(([key, color, text]) => ({ key, label: text, color: COLORS[color] })),
      { granularity, pick: pickBucket("COMPLETION") },
    );
    Charts.network($("relationships"), board.relationships, COLORS, (pair) => pickPair(pair));
    relationshipTable(board.relationships);
    Charts.line($("shadow-trend"), board.incidentTrend.map((p) => ({ label: p.start, value: p.count })), COLORS.to, {
      granularity,
      pick: (p) => drill({
        title: `shadow IT in the ${granularity.toLowerCase()} of ${Charts.dateLabel(p.label, granularity)}`,
        figure: "INCIDENTS", key: "shadow_it", period: bucketPeriod(p.label),
      }),
    });
    punitive(board.returnToPunitive);
    $("board").hidden = false;
    document.body.dataset.state = "ready";
    document.body.dataset.updatedAt = new Date().toISOString();
  }

  function subscribe() {
    if (socket) socket.close();
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/graphql`, "graphql-transport-ws");
    socket.onopen = () =>
      socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token()}` } }));
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "connection_ack") {
        $("live").classList.add("on");
        socket.send(JSON.stringify({ id: "live", type: "subscribe", payload: { query: LIVE, variables: variables() } }));
      } else if (message.type === "next" && message.payload.data) {
        LiveFocus.keep(() => render(message.payload.data));
      } else if (message.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      }
    };
    socket.onclose = () => $("live").classList.remove("on");
  }

  async function load() {
    say("");
    datesTyped = false;
    if (!token()) {
      $("signin").hidden = false;
      $("board").hidden = true;
      document.body.dataset.state = "signed-out";
      return;
    }
    $("signin").hidden = true;
    try {
      render(await query());
      subscribe();
    } catch (error) {
      say(error.message);
      document.body.dataset.state = "error";
      if (!token()) $("signin").hidden = false;
    }
  }

  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  $("preset").addEventListener("change", () => {
    if ($("preset").value === "custom") {
      $("from").focus();
      return;
    }
    applyPreset();
    load();
  });
  for (const id of ["from", "to"]) $(id).addEventListener("input", () => {
    $("preset").value = "custom";
    datesTyped = true;
  });
  for (const button of document.querySelectorAll("[data-export]")) {
    button.addEventListener("click", () => exportTable(button.dataset.export));
  }
  Drill.init(async (text, values) => {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token()}` },
      body: JSON.stringify({ query: text, variables: values }),
    });
    const body = await response.json();
    if (body.errors) throw new Error(body.errors.map((e) => e.message).join("; "));
    return body.data;
  });
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem("bridgework-token", $("token").value.trim());
    load();
  });
  load();
})();
