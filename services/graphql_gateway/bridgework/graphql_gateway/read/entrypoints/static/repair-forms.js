// The forms of a repair's page: one per action the viewer may take, each one GraphQL mutation.
// The API's refusals show beside the field they name (Workspace.act).
"use strict";

const RepairForms = (() => {
  const W = Workspace;
  const el = W.el;
  const m = (signature, call) => `mutation(${signature}) { ${call} { ${W.RESULT} } }`;
  const MUTATIONS = {
    assignFacilitator: m("$repairId: UUID!, $facilitator: PersonInput!", "assignFacilitator(repairId: $repairId, facilitator: $facilitator)"),
    offerToFacilitate: m("$repairId: UUID!", "offerToFacilitate(repairId: $repairId)"),
    answerFacilitationOffer: m("$repairId: UUID!, $personId: String!, $decision: OfferDecision!, $reason: String",
      "answerFacilitationOffer(repairId: $repairId, personId: $personId, decision: $decision, reason: $reason)"),
    joinRepair: m("$repairId: UUID!, $participant: PersonInput!, $role: ParticipantRole!",
      "joinRepair(repairId: $repairId, participant: $participant, role: $role)"),
    recordConversation: m("$repairId: UUID!, $participant: PersonInput!, $answers: [AnswerInput!]!",
      "recordConversation(repairId: $repairId, participant: $participant, answers: $answers)"),
    proposeAgreement: m("$repairId: UUID!, $commitments: [CommitmentInput!]!",
      "proposeAgreement(repairId: $repairId, commitments: $commitments)"),
    answerProposal: m("$repairId: UUID!, $version: Int!, $decision: ConsentDecision!, $reason: String",
      "answerProposal(repairId: $repairId, version: $version, decision: $decision, reason: $reason)"),
    keepCommitment: m("$repairId: UUID!, $commitmentId: UUID!", "keepCommitment(repairId: $repairId, commitmentId: $commitmentId)"),
    renegotiateCommitment: m("$repairId: UUID!, $commitmentId: UUID!, $reason: String!, $action: String, $dueAt: DateTime",
      "renegotiateCommitment(repairId: $repairId, commitmentId: $commitmentId, reason: $reason, action: $action, dueAt: $dueAt)"),
    releaseCommitment: m("$repairId: UUID!, $commitmentId: UUID!, $reason: String!",
      "releaseCommitment(repairId: $repairId, commitmentId: $commitmentId, reason: $reason)"),
    closeRepair: m("$repairId: UUID!, $outcome: RepairOutcome!, $reasonCode: String, $reason: String",
      "closeRepair(repairId: $repairId, outcome: $outcome, reasonCode: $reasonCode, reason: $reason)"),
  };
  const QUESTIONS = {
    responsible: [
      ["what_happened", "What happened?"],
      ["thinking_at_the_time", "What were you thinking about at the time?"],
      ["thought_since", "What have you thought about since?"],
      ["who_affected_and_how", "Who has been affected by what you did, and how?"],
      ["make_things_right", "What do you think you need to do to make things right?"],
    ],
    affected: [
      ["thought_when_realised", "What did you think when you realised what had happened?"],
      ["impact_on_you_and_others", "What impact has this had on you and others?"],
      ["hardest_thing", "What has been the hardest thing for you?"],
      ["needs_to_happen", "What do you think needs to happen to make things right?"],
    ],
  };
  const CLOSE_REASONS = ["no_agreement", "commitments_not_kept", "not_made_right", "participant_withdrew",
    "unsafe_to_continue", "outside_restorative_scope", "other"];

  const input = (field, attrs) => el("input", { "data-field": field, autocomplete: "off", ...attrs });
  const options = (values, chosen) => values.map(([value, text]) => el("option", { value, selected: value === chosen }, text));
  // A datetime-local value (UTC) and back: the pages speak UTC, as every date they show.
  const localValue = (iso) => (iso ? new Date(iso).toISOString().slice(0, 16) : "");
  const fromLocal = (value) => (value ? new Date(`${value}:00Z`).toISOString() : null);
  const personInput = (p) => ({ personId: p.personId, department: p.department });

  function build(story, viewer, done) {
    const repairId = story.repair.id;
    const run = (name, variables, message) => async (form) => {
      if (await W.act(form, name, MUTATIONS[name], { repairId, ...variables() })) {
        W.say(message, true);
        done();
      }
    };
    const people = (story.repair.participants || []).map((p) => ({ ...p.person, role: p.role }));
    const forms = [];
    const has = (action) => story.actions.includes(action);

    if (has("offer_to_facilitate")) {
      forms.push(W.form("Offer to facilitate", [], "Offer to facilitate",
        run("offerToFacilitate", () => ({}), "Your offer waits for an answer.")));
    }
    if (has("assign_facilitator")) {
      const id = input("facilitator.person_id", { required: true });
      const dept = input("facilitator.department", { required: true, value: viewer.department || "" });
      forms.push(W.form("Assign a facilitator", [W.field("Person id", id), W.field("Department", dept)], "Assign",
        run("assignFacilitator", () => ({ facilitator: { personId: id.value.trim(), department: dept.value.trim() } }),
          "The facilitator is assigned.")));
    }
    if (has("answer_facilitation_offer")) {
      for (const offer of story.facilitationOffers.filter((o) => o.decision === null)) {
        const decision = el("select", { "data-field": "decision" }, options([["approve", "Approve"], ["decline", "Decline"]]));
        const reason = input("reason", {});
        forms.push(W.form(`Offer from ${W.person(offer.person)}`, [W.field("Decision", decision), W.field("Reason (optional)", reason)], "Answer",
          run("answerFacilitationOffer", () => ({ personId: offer.person.personId, decision: decision.value, reason: reason.value || null }),
            "The offer is answered.")));
      }
    }
    if (has("invite_participant")) forms.push(inviteForm(story, run));
    if (has("record_conversation")) forms.push(conversationForm(story, viewer, people, run));
    if (has("propose_agreement")) forms.push(proposalForm(story, people, run));
    if (has("answer_proposal") && story.pendingProposal) forms.push(consentForm(story.pendingProposal, run));
    if (has("close_repair")) forms.push(closeForm(run));
    return forms;
  }

  function inviteForm(story, run) {
    const id = input("participant.person_id", { required: true });
    const dept = input("participant.department", { required: true });
    const role = el("select", { "data-field": "role" }, options([["responsible", "responsible"], ["affected", "affected"], ["supporter", "supporter"], ["facilitator", "facilitator"]]));
    const named = [];
    for (const incident of story.repair.incidents) {
      for (const [list, as] of [[incident.responsible, "responsible"], [incident.affectedPeople, "affected"]]) {
        for (const p of list || []) named.push({ ...p, as });
      }
    }
    const joined = new Set((story.repair.participants || []).map((p) => p.person.personId));
    const suggestions = named.filter((p) => !joined.has(p.personId)).map((p) =>
      el("button", { type: "button", class: "secondary", onclick: () => { id.value = p.personId; dept.value = p.department; role.value = p.as; id.focus(); } },
        `${p.personId} (${p.department}) as ${p.as}`));
    return W.form("Invite a participant", [
      suggestions.length ? el("p", { class: "hint" }, "Named in the incidents:", ...suggestions) : null,
      W.field("Person id", id), W.field("Department", dept), W.field("Role", role),
    ], "Invite", run("joinRepair", () => ({ participant: { personId: id.value.trim(), department: dept.value.trim() }, role: role.value }),
      "The participant is invited."));
  }

  function conversationForm(story, viewer, people, run) {
    const mine = people.find((p) => p.personId === viewer.personId && p.role !== "facilitator");
    const facilitating = story.yourRoles.includes("facilitator");
    const choices = facilitating ? people.filter((p) => p.role === "responsible" || p.role === "affected") : mine ? [mine] : [];
    const who = el("select", { "data-field": "participant" }, choices.map((p) => el("option", { value: p.personId }, `${p.personId} (${p.role})`)));
    const boxes = el("div", {});
    const draw = () => {
      const chosen = choices.find((p) => p.personId === who.value) || choices[0];
      const questions = QUESTIONS[chosen ? chosen.role : "affected"] || QUESTIONS.affected;
      boxes.replaceChildren(...questions.map(([key, text], index) => {
        const area = el("textarea", { "data-field": `answers.${index}.text`, "data-question": key, rows: 2 });
        return W.field(text, area);
      }));
    };
    who.addEventListener("change", draw);
    draw();
    return W.form("Record answers to the restorative questions", [W.field("Whose answers", who), boxes], "Record answers",
      run("recordConversation", () => {
        const chosen = choices.find((p) => p.personId === who.value) || choices[0];
        const answers = [...boxes.querySelectorAll("textarea")].filter((a) => a.value.trim())
          .map((a) => ({ question: a.dataset.question, text: a.value.trim() }));
        return { participant: chosen ? personInput(chosen) : { personId: "", department: "" }, answers };
      }, "The answers are recorded."));
  }

  function commitmentFields(people, index, terms) {
    const owner = el("select", { "data-field": `commitments.${index}.owner` },
      people.filter((p) => p.role !== "facilitator").map((p) => el("option", { value: p.personId, selected: terms && terms.owner.personId === p.personId }, `${p.personId} (${p.department})`)));
    const action = el("textarea", { "data-field": `commitments.${index}.action`, rows: 2 });
    action.value = (terms && terms.action) || "";
    const due = input(`commitments.${index}.due_at`, { type: "datetime-local", value: localValue(terms && terms.dueAt) });
    const owed = input(`commitments.${index}.owed_to_departments`, { value: terms ? terms.owedToDepartments.join(", ") : "" });
    const box = el("fieldset", { class: "commitment", "data-commitment-id": terms ? terms.commitmentId : "" },
      el("legend", {}, `Commitment ${index + 1}`),
      W.field("Who will do it", owner), W.field("What will be done", action),
      W.field("Due (UTC)", due), W.field("Owed to departments (comma-separated)", owed));
    box.read = () => {
      const who = people.find((p) => p.personId === owner.value);
      return {
        owner: who ? personInput(who) : { personId: owner.value, department: "" },
        action: action.value.trim(),
        dueAt: fromLocal(due.value),
        owedToDepartments: owed.value.split(",").map((d) => d.trim()).filter(Boolean),
        commitmentId: box.dataset.commitmentId || null,
      };
    };
    return box;
  }

  function proposalForm(story, people, run) {
    const pending = story.pendingProposal;
    const rows = el("div", {});
    const add = (terms) => rows.append(commitmentFields(people, rows.children.length, terms));
    for (const terms of (pending && pending.commitments) || []) add(terms);
    if (!rows.children.length) add(null);
    const more = el("button", { type: "button", class: "secondary", onclick: () => add(null) }, "Add a commitment");
    const title = pending ? `Propose new terms (version ${pending.version} is on the table)` : "Propose an agreement";
    return W.form(title, [rows, more], "Propose", run("proposeAgreement",
      () => ({ commitments: [...rows.children].map((box) => box.read()) }), "The terms are put to consent."));
  }

  function consentForm(proposal, run) {
    const decision = el("select", { "data-field": "decision" }, options([["give", "I consent"], ["decline", "I decline"]]));
    const reason = el("textarea", { "data-field": "reason", rows: 2 });
    const node = W.form(`Your answer to version ${proposal.version}`, [
      W.field("Decision", decision), W.field("Reason (needed to decline)", reason),
    ], "Send my answer", run("answerProposal",
      () => ({ version: proposal.version, decision: decision.value, reason: reason.value.trim() || null }), "Your answer is recorded."));
    node.id = "consent";
    return node;
  }

  function closeForm(run) {
    const outcome = el("select", { "data-field": "outcome" }, options([["repaired", "repaired"], ["unrepaired", "unrepaired"], ["returned_to_formal_process", "returned to the formal process"]]));
    const code = el("select", { "data-field": "reason_code" }, el("option", { value: "" }, "–"), CLOSE_REASONS.map((r) => el("option", { value: r }, W.words(r))));
    const reason = el("textarea", { "data-field": "reason", rows: 2 });
    return W.form("Close the repair", [W.field("Outcome", outcome), W.field("Reason code (unless repaired)", code), W.field("Reason (optional)", reason)],
      "Close", run("closeRepair", () => ({ outcome: outcome.value, reasonCode: code.value || null, reason: reason.value.trim() || null }), "The repair is closed."));
  }

  // The forms beside one commitment: kept, renegotiate, release.
  function commitmentForms(story, commitment, done) {
    const repairId = story.repair.id;
    const commitmentId = commitment.id;
    const run = (name, variables, message) => async (form) => {
      if (await W.act(form, name, MUTATIONS[name], { repairId, commitmentId, ...variables() })) {
        W.say(message, true);
        done();
      }
    };
    const kept = W.form("Mark as kept", [], "It was kept", run("keepCommitment", () => ({}), "The commitment is kept."));
    const due = input("due_at", { type: "datetime-local" });
    const action = el("textarea", { "data-field": "action", rows: 2 });
    const why = el("textarea", { "data-field": "reason", rows: 2 });
    const renegotiate = W.form("Renegotiate", [W.field("New due date (UTC)", due), W.field("New action (optional)", action), W.field("Why", why)],
      "Propose new terms", run("renegotiateCommitment", () => ({ dueAt: fromLocal(due.value), action: action.value.trim() || null, reason: why.value.trim() }),
        "The new terms are put to consent."));
    const releaseWhy = el("textarea", { "data-field": "reason", rows: 2 });
    const release = W.form("Release", [W.field("Why", releaseWhy)], "Propose releasing it",
      run("releaseCommitment", () => ({ reason: releaseWhy.value.trim() }), "The release is put to consent."));
    return [kept, el("details", {}, el("summary", {}, "Renegotiate or release"), renegotiate, release)];
  }

  return { build, commitmentForms };
})();
