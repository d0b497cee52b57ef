// A repair's story: its summary and next step, the actions the viewer may take, its
// commitments, and a timeline of everything that happened. Confidential words show only to
// the repair's people; a text whose key was erased reads "erased".
"use strict";

(() => {
  const W = Workspace;
  const el = W.el;
  const P = "{ personId department }";
  const QUERY = `query($id: UUID!) { viewer { personId roles department }
    repairStory(id: $id) {
      yourRoles actions next { waitingFor onDepartments dueAt on ${P} }
      proposals { version proposedAt pending proposedBy ${P} awaiting ${P}
        commitments { commitmentId termsVersion action dueAt owedToDepartments owner ${P} } }
      pendingProposal { version awaiting ${P}
        commitments { commitmentId termsVersion action dueAt owedToDepartments owner ${P} } }
      facilitationOffers { person ${P} offeredAt decision answeredAt }
      lapses { commitmentId termsVersion lapsedAt }
      repair { id status category openedAt departments agreementDueBy outcome closedAt responseMode peopleVisible
        incidents { id summary severity department reportedAt responsible ${P} affectedPeople ${P} }
        participants { person ${P} role joinedAt }
        conversation { person ${P} role recordedAt answers { question text } }
        agreement { version reachedAt consentedBy ${P} }
        consents { version person ${P} department role decision reason decidedAt }
        commitments { id action dueAt status keptAt keptOnTime lapseCount releasedAt releaseReason
          renegotiationReason termsVersion ownerDepartment owner ${P} }
        nudges { kind sentAt recipientDepartment recipient ${P} commitmentId }
        checkIns { outcome recordedAt department person ${P} comment } } } }`;
  const repairId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");

  const text = (value) => (value === null || value === undefined ? el("span", { class: "erased" }, "erased") : value);
  const who = (p, department) => (p ? W.person(p) : `someone from ${department}`);

  // New terms come into force with the last consent to the version that proposed them.
  function inForceSince(story, commitment) {
    const proposal = story.proposals.find((p) => (p.commitments || []).some(
      (t) => t.commitmentId === commitment.id && t.termsVersion === commitment.termsVersion));
    if (!proposal) return null;
    const given = story.repair.consents.filter((c) => c.version === proposal.version && c.decision === "given");
    return given.map((c) => c.decidedAt).sort().pop() || null;
  }

  function timeline(story) {
    const r = story.repair;
    const items = [];
    const add = (at, kind, what, ...detail) => items.push({ at, kind, what, detail });
    for (const i of r.incidents) {
      add(i.reportedAt, "incident", `Incident reported by ${i.department} (${W.words(i.severity)})`, el("p", {}, i.summary));
    }
    add(r.openedAt, "opened", `Repair opened between ${r.departments.join(" and ")}`);
    for (const o of story.facilitationOffers) {
      add(o.offeredAt, "offer", `${W.person(o.person)} offered to facilitate`);
      if (o.decision) add(o.answeredAt, "offer-answered", `The offer of ${W.person(o.person)} was ${o.decision}`);
    }
    for (const p of r.participants || []) add(p.joinedAt, "joined", `${W.person(p.person)} joined as ${p.role}`);
    for (const c of r.conversation || []) {
      add(c.recordedAt, "conversation", `${W.person(c.person)} (${c.role}) answered the restorative questions`,
        el("dl", { class: "facts" }, c.answers.flatMap((a) => [el("dt", {}, W.words(a.question)), el("dd", {}, text(a.text))])));
    }
    for (const p of story.proposals) {
      add(p.proposedAt, "proposal", `Version ${p.version} proposed${p.proposedBy ? ` by ${W.person(p.proposedBy)}` : ""}`,
        p.commitments ? el("ul", {}, p.commitments.map((c) => el("li", {}, `${W.person(c.owner)}: `, text(c.action), `, by ${W.when(c.dueAt)}`))) : null);
    }
    for (const c of r.consents) {
      const given = c.decision === "given";
      add(c.decidedAt, given ? "consent" : "decline",
        `${who(c.person, c.department)} ${given ? "consented to" : "declined"} version ${c.version}`,
        given ? null : el("p", {}, "Reason: ", r.peopleVisible ? text(c.reason) : "shown to the repair's people only"));
    }
    if (r.agreement) add(r.agreement.reachedAt, "agreement", `Agreement reached (version ${r.agreement.version}) by everyone's consent`);
    const lapses = new Map(story.lapses.map((l) => [l.commitmentId, l]));
    for (const c of r.commitments) {
      const label = c.action === null ? "a commitment" : `"${c.action}"`;
      const lapse = lapses.get(c.id);
      if (lapse) add(lapse.lapsedAt, "lapsed", `${who(c.owner, c.ownerDepartment)}'s ${label} lapsed (${c.lapseCount}×)`);
      if (c.renegotiationReason !== null && c.termsVersion > 1) {
        add(inForceSince(story, c), "renegotiated", `${label} renegotiated (terms version ${c.termsVersion}), now due ${W.when(c.dueAt)}`,
          el("p", {}, "Reason: ", c.renegotiationReason));
      }
      if (c.keptAt) add(c.keptAt, "kept", `${who(c.owner, c.ownerDepartment)} kept ${label} ${c.keptOnTime ? "on time" : "late"}`);
      if (c.releasedAt) add(c.releasedAt, "released", `${label} was released`, c.releaseReason ? el("p", {}, "Reason: ", c.releaseReason) : null);
    }
    for (const n of r.nudges) add(n.sentAt, "nudge", `A ${W.words(n.kind)} was sent to ${who(n.recipient, n.recipientDepartment)}`);
    for (const c of r.checkIns) {
      add(c.recordedAt, "check-in", `${who(c.person, c.department)} checked in: ${c.outcome === "yes" ? "things were made right" : W.words(c.outcome)}`,
        r.peopleVisible && c.comment !== undefined ? el("p", {}, "Comment: ", text(c.comment)) : null);
    }
    if (r.closedAt) add(r.closedAt, "closed", `Repair closed: ${W.words(r.outcome)}`);
    // Undated entries (a renegotiation's moment is not in the read model) go last.
    items.sort((a, b) => (a.at || "9999").localeCompare(b.at || "9999"));
    return items.map((item) => el("li", { "data-kind": item.kind },
      el("time", item.at ? { datetime: item.at } : {}, item.at ? W.when(item.at) : "later"),
      el("span", { class: "what" }, item.what), ...item.detail));
  }

  function summary(story) {
    const r = story.repair;
    return el("dl", { class: "facts" },
      el("dt", {}, "Status"), el("dd", { "data-status": r.status }, r.status, r.outcome ? ` (${W.words(r.outcome)})` : ""),
      el("dt", {}, "Category"), el("dd", {}, W.words(r.category)),
      el("dt", {}, "Departments"), el("dd", {}, r.departments.join(", ")),
      el("dt", {}, "Opened"), el("dd", {}, W.when(r.openedAt)),
      el("dt", {}, "Agreement due by"), el("dd", {}, W.when(r.agreementDueBy)),
      el("dt", {}, "You take part as"), el("dd", {}, story.yourRoles.join(", ") || "you do not take part"),
      el("dt", {}, "Next step"), el("dd", { id: "next", "data-waiting": story.next.waitingFor }, W.nextStep(story.next),
        story.next.dueAt ? `, due ${W.when(story.next.dueAt)}` : ""));
  }

  function commitments(story, reload) {
    const r = story.repair;
    if (!r.commitments.length) return [el("p", { class: "hint" }, "No commitment is in force yet.")];
    const acting = story.actions.includes("keep_commitment");
    const facilitating = story.yourRoles.includes("facilitator");
    return r.commitments.map((c) => el("div", { class: "commitment-row", "data-commitment": c.id, "data-status": c.status },
      el("p", {}, el("strong", {}, text(c.action)), ` — ${who(c.owner, c.ownerDepartment)}, due ${W.when(c.dueAt)}: `,
        el("span", { class: `status-${c.status}` }, c.status === "kept" ? (c.keptOnTime ? "kept on time" : "kept late") : c.status)),
      acting && (c.status === "open" || c.status === "lapsed") && (facilitating || (c.owner && c.owner.personId === story.viewer.personId))
        ? el("div", { class: "actions" }, RepairForms.commitmentForms(story, c, reload)) : null));
  }

  const reload = W.start(async () => {
    const body = await W.gql(QUERY, { id: repairId });
    // Who takes part and what they said are refused to viewers who do not: that is expected.
    const unexpected = (body.errors || []).filter((e) => (e.extensions || {}).code !== "FORBIDDEN");
    if (unexpected.length) W.say(unexpected.map((e) => e.message).join("; "));
    const story = body.data.repairStory;
    if (!story) {
      document.getElementById("title").textContent = "No repair you may see";
      W.say("There is no such repair, or you may not see it.");
      return;
    }
    story.viewer = body.data.viewer;
    const r = story.repair;
    document.title = `Repair ${r.id.slice(0, 8)} — Bridgework`;
    document.getElementById("title").textContent = `Repair ${r.id.slice(0, 8)}: ${r.departments.join(" – ")}`;
    document.getElementById("summary").replaceChildren(summary(story));
    // The read model hears of a change through Kafka a moment after the mutation answers.
    const later = () => [700, 2500].forEach((ms) => setTimeout(reload, ms));
    const forms = RepairForms.build(story, body.data.viewer, later);
    document.getElementById("actions").replaceChildren(forms.length
      ? el("div", { class: "actions" }, forms) : el("p", { class: "hint" }, "Nothing for you to do here now."));
    document.getElementById("commitments").replaceChildren(...commitments(story, later));
    document.getElementById("timeline").replaceChildren(...timeline(story));
  });
})();
