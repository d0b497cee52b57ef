"""Agreements' rules, pure: no I/O, no clock, no framework.

A repair is one aggregate. Every command is a function of the repair as it stands (and of
`now`, given by the caller) that returns a `Decision`: the repair as it stands afterwards
and the events that say what changed. A command that would break a rule raises common's
`DomainError` naming the rule instead.

The modules, by concept: `repair` (the aggregate's state and its guards), `agreement` (the
agreement's state), `opening` (opening repairs and recurrence), `participants`,
`facilitation`, `conversation`, `proposals`, `consent`, `imposition`, `commitments`, `followup_news`
(lapses and check-ins), `closing` (linking and closing), `response_mode`, and `readers`
(who may read a repair, and the token roles a few changes need).

Decisions written down here (docs/agreements.md tells the same story):
- Consent: every responsible and every affected participant, as they stand
  when the last consent arrives, must have consented to the CURRENT version.
  Supporters and facilitators are not asked. A proposal needs at least one
  responsible and one affected participant, so that "everyone consented"
  never holds vacuously.
- Versions: one agreement per repair; every proposal (the initial terms, a
  renegotiation, a release) is the next version and asks everyone again. A new
  proposal supersedes a pending one. Terms carry their own version per
  commitment, raised only when that commitment's terms change.
- After the agreement is in force, single commitments change only by
  consent (renegotiation, release); a renegotiation consented to is announced
  by CommitmentRenegotiated, a release by CommitmentReleased (not by a second
  AgreementReached).
- Response mode: `with` once reached by consent; an imposed outcome is `to`
  unless it is the pending proposal that every responsible participant
  consented to, then `for` (only the affected's voice is missing); without
  either, `not` once `agreement_due_by` has passed. Returning a repair to the
  formal process is `to`. An agreement reached late still counts as `with`.
- Closing as repaired: every commitment kept or released, and at least one
  affected participant answered `yes` at check-in with no affected
  participant's latest answer `partly` or `no`. Only a facilitator closes.
- Who facilitates: assigned by the change team or a lead of a department
  involved, or offering and approved by them (`facilitation`); nobody appoints
  themselves. A facilitator of the repair adds participants, in any role;
  nobody adds anyone before there is one.
- Who may act at all: only a person who may see the repair (`readers`); the
  use cases ask that first, so a repair someone may not see does not exist
  for them, whatever the command.
- Recurrence, "the same matter": same incident category and at least one
  shared department pair, opened within the recurrence window (180 days by
  default); the newest few are linked, newest first.
"""
