// The change team's dashboard: queries /graphql with the viewer's bearer token, draws the
// charts, and stays live over graphql-transport-ws. The token comes from `#token=` in the
// URL (then removed from the address bar) or the sign-in box, and is kept for the tab only.
"use strict";

(() => {
  const COLORS = {
    with: "#2e7d32", to: "#c62828", for: "#ef6c00", not: "#616161", pending: "#b0bec5",
    kept_on_time: "#2e7d32", kept_late: "#9ccc65", partial: "#ffb300", lapsed: "#c62828",
    repaired: "#2e7d32", mending: "#ffb300", unrepaired: "#c62828",
  };
  const FIELDS = `
    department period { from to } repairsOpened
    responseModes { with to for not pending restorativeRate }
    responseModeTrend(granularity: $granularity) { start modes { with to for not pending } }
    completion { keptOnTime keptLate partial lapsed inProgress settled keptRate }
    completionTrend(granularity: $granularity) { start completion { keptOnTime keptLate partial lapsed } }
    commitments { keptRate lapsed open }
    timeToAgreement { count p50Hours p90Hours }
    timeToRepair { count p50Hours p90Hours }
    participation { rate named joined }
    consent { rate requested given declined }
    nudgeEffectiveness { kinds { kind nudged keptAfter rate } unnudgedKeptRate }
    returnToPunitive { closed returned rate reasons { reasonCode count } }
    checkIns { yes partly no }
    incidentTrend(granularity: $granularity, category: "shadow_it") { start count }
    relationships { departmentA departmentB repairs openHarms repairsClosed commitments
      commitmentsKept keptRate recurrencesWithin90Days recurrencesWithin180Days status }`;
  const QUERY = `query Dashboard($department: String, $period: PeriodInput, $granularity: Granularity!) {
    viewer { personId roles department } departments { slug }
    dashboard(department: $department, period: $period) { ${FIELDS} } }`;
  const LIVE = `subscription Live($department: String, $period: PeriodInput, $granularity: Granularity!) {
    dashboard(department: $department, period: $period) { ${FIELDS} } }`;

  const $ = (id) => document.getElementById(id);
  let socket = null;

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

  function figures(board) {
    const items = [
      ["repairs-opened", String(board.repairsOpened), "repairs opened"],
      ["restorative-rate", Charts.pct(board.responseModes.restorativeRate), "responded WITH people"],
      ["agreements-kept", Charts.pct(board.completion.keptRate), "agreements kept in full"],
      ["commitments-kept", Charts.pct(board.commitments.keptRate), "commitments kept"],
      ["time-to-agreement", hours(board.timeToAgreement.p50Hours), "median time to agreement"],
      ["time-to-repair", hours(board.timeToRepair.p50Hours), "median time to repair"],
      ["participation", Charts.pct(board.participation.rate), "of those named took part"],
      ["consent", Charts.pct(board.consent.rate), "consent given"],
      ["nudges", Charts.pct(board.nudgeEffectiveness.kinds[0].rate), "kept after a nudge"],
      ["punitive", Charts.pct(board.returnToPunitive.rate), "returned to punitive process"],
    ];
    $("figures").innerHTML = "";
    for (const [key, value, text] of items) {
      const box = document.createElement("div");
      box.className = "figure";
      box.dataset.key = key;
      box.innerHTML = `<div class="value"></div><div class="label"></div>`;
      box.querySelector(".value").textContent = value;
      box.querySelector(".label").textContent = text;
      $("figures").appendChild(box);
    }
  }

  function relationshipTable(pairs) {
    const table = $("relationship-table");
    table.innerHTML = "<tr><th>Pair</th><th>Repairs</th><th>Open</th><th>Kept</th><th>Recur ≤90d</th><th>Status</th></tr>";
    for (const p of pairs) {
      const row = table.insertRow();
      for (const value of [
        `${p.departmentA} – ${p.departmentB}`, p.repairs, p.openHarms,
        `${p.commitmentsKept}/${p.commitments}`, p.recurrencesWithin90Days, p.status,
      ]) {
        row.insertCell().textContent = String(value);
      }
    }
  }

  function punitive(summary) {
    const reasons = summary.reasons.map((r) => `${r.reasonCode} (${r.count})`).join(", ") || "none";
    $("punitive").textContent =
      `${summary.returned} of ${summary.closed} repairs closed in the period returned to the formal ` +
      `process (${Charts.pct(summary.rate)}). Reasons: ${reasons}.`;
  }

  function render(data) {
    const board = data.dashboard;
    if (data.departments) {
      const select = $("department");
      const chosen = select.value;
      select.length = 1;
      for (const d of data.departments) select.add(new Option(d.slug, d.slug));
      select.value = chosen;
    }
    $("from").value = board.period.from;
    $("to").value = board.period.to;
    figures(board);
    Charts.disciplineWindow($("window"), board.responseModes, COLORS);
    Charts.stackedColumns(
      $("mode-trend"),
      board.responseModeTrend.map((p) => ({ label: p.start, values: p.modes })),
      ["with", "to", "for", "not"].map((k) => ({ key: k, label: k.toUpperCase(), color: COLORS[k] })),
    );
    Charts.splitBar($("completion"), [
      { key: "kept_on_time", label: "kept on time", value: board.completion.keptOnTime, color: COLORS.kept_on_time },
      { key: "kept_late", label: "kept late", value: board.completion.keptLate, color: COLORS.kept_late },
      { key: "partial", label: "partly kept", value: board.completion.partial, color: COLORS.partial },
      { key: "lapsed", label: "lapsed", value: board.completion.lapsed, color: COLORS.lapsed },
    ]);
    Charts.stackedColumns(
      $("completion-trend"),
      board.completionTrend.map((p) => ({
        label: p.start,
        values: {
          kept_on_time: p.completion.keptOnTime, kept_late: p.completion.keptLate,
          partial: p.completion.partial, lapsed: p.completion.lapsed,
        },
      })),
      [["kept_on_time", "on time"], ["kept_late", "late"], ["partial", "partly"], ["lapsed", "lapsed"]]
        .map(([key, text]) => ({ key, label: text, color: COLORS[key] })),
    );
    Charts.network($("relationships"), board.relationships, COLORS);
    relationshipTable(board.relationships);
    Charts.line($("shadow-trend"), board.incidentTrend.map((p) => ({ label: p.start, value: p.count })), COLORS.to);
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
        render(message.payload.data);
      } else if (message.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      }
    };
    socket.onclose = () => $("live").classList.remove("on");
  }

  async function load() {
    say("");
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
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem("bridgework-token", $("token").value.trim());
    load();
  });
  load();
})();
