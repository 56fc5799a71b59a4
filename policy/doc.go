// Package policy reads the policy file (.ospo-scan.yml) that lets the OSPO
// change the rule set without recompiling ospo-scan: severities and
// parameters of the built-in rules, profiles for groups of repositories,
// exemptions with a written reason and an expiry date, and declarative
// custom rules. A loaded *Policy is the scanner.Policy of a scan.
//
// # The file
//
//	extends: ../lhm-defaults.yml          # optional; relative to this file
//	rules:
//	  license/approved:
//	    severity: error                   # error | warning | note | off
//	    params:
//	      approved: [MIT]                 # SPDX ids or expressions
//	  brand/badge: off                    # shorthand for {severity: off}
//	profiles:
//	  cooperation:
//	    description: Cooperation projects keep the partner's licence
//	    match: {repositories: [eappointment, "consul-*"]}
//	    only: [...]                       # optional: run just these rules
//	    rules:
//	      license/approved: {params: {approved: [MIT, EUPL-1.2, AGPL-3.0-only]}}
//	exemptions:
//	  - repository: eappointment          # name or glob, name or full name
//	    rule: license/approved            # rule id or glob
//	    reason: "cooperation with BerlinOnline; EUPL-1.2 agreed by the OSPO"
//	    until: 2027-06-30                 # optional, inclusive
//	    approvedBy: ospo                  # optional
//	custom:
//	  - id: custom/topics
//	    title: Repository has topics
//	    severity: note
//	    type: expr
//	    expr: size(repo.topics) > 0
//	allowRepositoryExemptions: false
//
// `ospo-scan policy init` writes the built-in policy in this form, with
// every rule, its default severity and its documented parameters
// (WriteInit); Default builds the same policy from the same description.
//
// # Which file
//
// Find follows DESIGN.md: --config, else .ospo-scan.yml in the checkout
// (`check` only), else .ospo-scan.yml in the working directory, else the
// built-in defaults.
//
// # Layering
//
// A file may extend another (a path relative to the extending file), which
// may extend another; a cycle is an error that shows the chain. The
// built-in defaults lie under every chain. Files are merged base first:
//
//   - rules: per rule and per field: a later file's severity or parameter
//     replaces the earlier value; what it does not mention is kept;
//   - profiles: by name; a later file's match, only and description
//     replace the earlier ones, its rule settings merge as above, and new
//     profiles come after the earlier ones;
//   - exemptions and custom rules: concatenated, base first;
//   - allowRepositoryExemptions: the last file that sets it wins.
//
// # Profiles
//
// For each repository, For tries the profiles in this order and takes the
// first whose match holds: the profiles the policy declares, in order (an
// extended file's first), then the built-in fork (forks: license/present
// only) and archived (archived repositories, scanned with
// --include-archived: license/present, license/approved, docs/readme),
// which a policy may redefine by name. Every other repository gets
// in-house: the top-level rules. A profile's settings apply on top of the
// top-level ones; with only:, the rules it does not list are off unless
// the profile gives them a severity. A match holds when every condition it
// states holds (repositories, topics, visibility, forge, fork, archived);
// a list holds when any entry does. Metadata the forge does not know
// (topics of a local checkout) never matches.
//
// # Exemptions
//
// Apply turns a failing result that an exemption covers into an exempt
// one carrying the exemption (reason, until, approvedBy, declaredBy). From
// the day after until, the result fails again and its message says that
// the exemption expired; a current exemption for the same repository and
// rule wins over an expired one, so renewing is adding an entry. After
// the scan, Warnings reports stale exemptions: those that matched no
// failing result and, with ReportUnmatchedRepositories (org scans), those
// that matched no scanned repository.
//
// # Trust
//
// In org and repo scans (SetScanKind(false)) a repository's own
// .ospo-scan.yml is never read unless the policy in force sets
// allowRepositoryExemptions: true. Then only its exemptions apply, each
// limited to that repository and marked declaredBy "repository"; its
// rules, profiles, custom rules and extends are ignored with a warning, so
// a repository can never turn a rule off or approve its own licence. In a
// check scan (SetScanKind(true)) the checkout's file may be the policy
// itself and is not read again.
//
// # Custom rules
//
// Custom rules become *rules.Rule values like the built-in ones (Custom
// true), with id, title, severity (default warning), doc, fix, source and
// sourceTitle; message replaces the message of a failing result. Their
// type-specific fields are parameters, so explain shows them and a
// profile may change them:
//
//   - file-exists: paths (names, paths or globs); passes when one exists.
//     A bare name is looked for in the root, .github/ and docs/ (GitHub's
//     places for community files); "./NAME" means the root only; ** is
//     refused because it would read the whole tree. ignoreCase: true.
//   - file-contains / file-not-contains: paths, pattern (Go RE2 over the
//     whole file), in: first (default; the first file found), any or all.
//     Results carry the file and line; every match of file-not-contains
//     is a finding.
//   - license: allow and deny, single SPDX ids compared with the licences
//     recognised in the root's licence files (ranges such as
//     GPL-1.0-or-later cover later versions).
//   - expr: a CEL expression returning bool, compiled at load time; the
//     variables are documented in ExprVariables and in the rule's Doc.
//
// Custom rules read files only through rules.Facts, so each file is read
// once per repository whatever the number of rules.
//
// # Validation
//
// Load reports every problem it finds as an *Error in an ErrorList,
// formatted FILE:LINE:COLUMN: what is wrong; what to write instead.
package policy
