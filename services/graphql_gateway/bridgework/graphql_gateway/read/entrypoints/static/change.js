// A planned change's page: what it is, where each affected department stands, what the viewer
// may do, the adjustments and their state, the answers to the proactive questions (to the
// people taking part only), and, once live, its response mode and each department's check-in.
// The engagement comes from agreements (changeEngagement); the check-ins from the read model.
"use strict";

(() => {
  const W = Workspace;
  const el = W.el;
  const P = "{ personId department }";
  const QUERY = `query($id: UUID!) { viewer { personId roles department }
    changeEngagement(id: $id) { __typename
      ... on ChangeEngagement { changeId title kind owner ${P} affectedDepartments plannedGoLive live
        wentLiveAt responseMode agreedVersion yourActions
        people { person ${P} role joinedAt }
        departments { department toldAt representatives answered word reason }
        currentProposal { version proposedAt proposedBy ${P}
          adjustments { commitmentId termsVersion kind owner ${P} owedToDepartments action dueAt keptAt } }
        answers { representative ${P} answeredAt answers { question text } } }
      ... on NotFound { detail } ... on NotAllowed { detail } ... on ServiceUnavailable { detail } }
    change(id: $id) { engagementState engagements { department standing checkIn } } }`;
  const changeId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
  const MODES = {
    with: "with: every affected department was engaged and consented before go-live",
    to: "to: it went live over an objection or without asking, restricting them",
    for: "for: it went live without asking, providing something decided for them",
    not: "not: an affected department was not even told before go-live",
  };
  const CHECK_IN = { yes: "it works for us", partly: "it partly works", no: "it does not work for us" };

  const text = (value) => (value === null || value === undefined ? el("span", { class: "erased" }, "erased") : value);

  // One word for the engagement, as the dashboard's calendar says it.
  function state(change) {
    const words = change.departments.map((d) => d.word);
    if (words.includes("objected")) return "objected";
    if (words.length && words.every((w) => w === "consented")) return "consented";
    if (change.departments.some((d) => d.representatives.length)) return "engaging";
    return "not engaged";
  }

  function summary(change, viewer) {
    const mine = change.people.filter((p) => p.person.personId === viewer.personId);
    return el("dl", { class: "facts" },
      el("dt", {}, "Kind"), el("dd", {}, change.kind),
      el("dt", {}, "Owner"), el("dd", {}, W.person(change.owner)),
      el("dt", {}, "Affects"), el("dd", {}, change.affectedDepartments.join(", ")),
      el("dt", {}, "Planned go-live"), el("dd", {}, W.when(change.plannedGoLive)),
      el("dt", {}, "Went live"), el("dd", {}, change.live ? W.when(change.wentLiveAt) : "not yet"),
      el("dt", {}, "Engagement"), el("dd", { id: "engagement", "data-state": state(change) }, state(change),
        change.agreedVersion ? ` (version ${change.agreedVersion} agreed by every department)` : ""),
      el("dt", {}, "Response mode"), el("dd", { id: "mode", "data-mode": change.responseMode || "" },
        change.responseMode ? MODES[change.responseMode] : "decided when it goes live"),
      el("dt", {}, "You take part as"), el("dd", {}, mine.map((p) => `${p.role} (${p.person.department})`).join(", ") || "you do not take part"));
  }

  function departments(change, readModel) {
    const checkIns = new Map(((readModel && readModel.engagements) || []).map((e) => [e.department, e.checkIn]));
    const version = change.currentProposal ? change.currentProposal.version : null;
    return el("table", {},
      el("caption", {}, version ? `Each department's word on version ${version}.` : "No adjustments proposed yet."),
      el("thead", {}, el("tr", {}, ["Department", "Told", "Representatives", "Answered the questions", "Word", "Reason", "After go-live"]
        .map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, change.departments.map((d) => {
        const checkIn = checkIns.get(d.department);
        return el("tr", { "data-department": d.department, "data-word": d.word || "none" },
          el("th", { scope: "row" }, d.department),
          el("td", {}, W.when(d.toldAt)),
          el("td", {}, d.representatives.join(", ") || "nobody yet"),
          el("td", {}, d.answered ? "yes" : "not yet"),
          el("td", { class: d.word === "consented" ? "decision-given" : d.word === "objected" ? "decision-declined" : "" },
            d.word || "no word yet"),
          el("td", {}, d.word === "objected" ? text(d.reason) : "–"),
          el("td", { "data-check-in": checkIn || "" }, checkIn ? CHECK_IN[checkIn] : change.live ? "not checked in yet" : "–"));
      })));
  }

  function proposal(change, reload) {
    const current = change.currentProposal;
    if (!current) return [el("p", { class: "hint" }, "Nothing proposed yet.")];
    const agreed = change.agreedVersion === current.version;
    const keeping = change.yourActions.includes("keep_adjustment");
    return [
      el("p", { id: "proposal-state", "data-agreed": agreed ? "yes" : "no" },
        `Version ${current.version}, proposed ${W.when(current.proposedAt)} by ${W.person(current.proposedBy)}: `,
        el("strong", {}, agreed ? "agreed by every affected department" : "waiting for every department's consent")),
      current.adjustments.length
        ? el("ul", {}, current.adjustments.map((a) => el("li", { class: "commitment-row", "data-commitment": a.commitmentId,
          "data-status": a.keptAt ? "kept" : "open" },
          el("p", {}, el("strong", {}, text(a.action)), ` (${W.words(a.kind)}) — ${W.person(a.owner)}, owed to `,
            a.owedToDepartments.join(", "), `, due ${W.when(a.dueAt)}: `,
            el("span", { class: a.keptAt ? "status-kept" : "status-open" }, a.keptAt ? `kept ${W.when(a.keptAt)}` : agreed ? "agreed, open" : "proposed")),
          keeping && agreed && !a.keptAt ? ChangeForms.keepForm(change, a, reload) : null)))
        : el("p", { class: "hint" }, "The change as planned, with no adjustment."),
    ];
  }

  function answers(change) {
    if (change.answers === null) {
      return el("p", { class: "hint" }, "The representatives' answers are shown to the people taking part only.");
    }
    const labels = new Map(ChangeForms.QUESTIONS);
    if (!change.answers.length) return el("p", { class: "hint" }, "Nobody has answered yet.");
    return el("ol", { class: "timeline" }, change.answers.map((r) => el("li", { "data-kind": "answers", "data-department": r.representative.department },
      el("time", { datetime: r.answeredAt }, W.when(r.answeredAt)),
      el("span", { class: "what" }, `${W.person(r.representative)} answered`),
      el("dl", { class: "facts" }, r.answers.flatMap((a) => [el("dt", {}, labels.get(a.question) || W.words(a.question)), el("dd", {}, text(a.text))])))));
  }

  function people(change) {
    if (!change.people.length) return el("p", { class: "hint" }, "Nobody takes part yet.");
    return el("ul", {}, change.people.map((p) => el("li", { "data-person": p.person.personId, "data-role": p.role },
      `${W.person(p.person)}, ${p.role === "owner" ? "on the owner's side" : `representing ${p.person.department}`}, since ${W.when(p.joinedAt)}`)));
  }

  const reload = W.start(async () => {
    const body = await W.gql(QUERY, { id: changeId });
    if (body.errors) W.say(body.errors.map((e) => e.message).join("; "));
    const change = body.data.changeEngagement;
    if (change.__typename !== "ChangeEngagement") {
      document.getElementById("title").textContent = "No change you may see";
      W.say(change.__typename === "NotFound" ? "There is no such change, or you may not see it." : change.detail);
      return;
    }
    const viewer = body.data.viewer;
    document.title = `${change.title} — Bridgework`;
    document.getElementById("title").textContent = `Planned change: ${change.title}`;
    document.getElementById("summary").replaceChildren(summary(change, viewer));
    document.getElementById("departments").replaceChildren(departments(change, body.data.change));
    const forms = ChangeForms.build(change, viewer, reload);
    document.getElementById("actions").replaceChildren(forms.length
      ? el("div", { class: "actions" }, forms)
      : el("p", { class: "hint" }, change.live ? "It is live: the engagement is closed." : "Nothing for you to do here now."));
    document.getElementById("proposal").replaceChildren(...proposal(change, reload));
    document.getElementById("answers").replaceChildren(answers(change));
    document.getElementById("people").replaceChildren(people(change));
  });
})();
