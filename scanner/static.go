package scanner

import (
	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

// Static is a Policy that runs the same rules on every repository and
// exempts nothing: the built-in defaults when no policy file is in force.
type Static struct {
	Profile string
	Rules   []rules.Configured
}

// For implements Policy.
func (s Static) For(forges.Meta) (string, []rules.Configured) { return s.Profile, s.Rules }

// Apply implements Policy.
func (s Static) Apply(_ *forges.Repo, rs []rules.Result) []rules.Result { return rs }

// Warnings implements Policy.
func (s Static) Warnings() []string { return nil }
