package lint

import (
	"slices"
	"sort"
	"strings"
)

// Rule is one check of the catalogue. IDs never change meaning; a retired rule's ID is
// not reused.
type Rule struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Severity Severity `json:"severity"`
	// Summary is one line; Why and Fix are the long form `lint --explain` prints.
	Summary string `json:"summary"`
	Why     string `json:"why"`
	Fix     string `json:"fix"`
	check   func(*pass)
}

// Rules returns the catalogue in ID order.
func Rules() []*Rule { return slices.Clone(catalogue) }

// Lookup returns the rule with id (case-insensitive).
func Lookup(id string) (*Rule, bool) {
	for _, r := range catalogue {
		if strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	return nil, false
}

var catalogue []*Rule

func init() {
	// Each rule's ID, severity and text sit beside its check, one file per family
	// (rules_*.go); this is the order they run and are listed in.
	catalogue = []*Rule{
		sc1001,
		sc1002,
		sc2001,
		sc2002,
		sc3001,
		sc3002,
		sc3003,
		sc3004,
		sc3005,
		sc3006,
		sc3007,
		sc3008,
		sc3009,
		sc4001,
		sc4002,
		sc5001,
		sc5002,
		sc5003,
		sc5004,
		sc6001,
		sc6002,
		sc6003,
		sc6004,
		sc6005,
		sc6006,
		sc7001,
		sc7002,
		sc7003,
		sc7004,
		sc8001,
	}
	sort.Slice(catalogue, func(i, j int) bool { return catalogue[i].ID < catalogue[j].ID })
	for _, r := range catalogue {
		if r.check == nil {
			r.check = func(*pass) {}
		}
	}
}

// ruleAs runs fn with the current rule switched to id, for checks that report several IDs.
func (ps *pass) ruleAs(id string, fn func()) {
	saved := ps.rule
	r, _ := Lookup(id)
	ps.rule = r
	fn()
	ps.rule = saved
}
