// Package awspolicy reads AWS policy documents (IAM identity and trust policies, ECR
// repository policies) as the AWS facts model holds them (inventory.PolicyJSON): the
// Statement, Principal, Action, Resource and Condition shapes IAM accepts, where most
// fields are a string or a list of strings.
package awspolicy

import (
	"encoding/json"
	"sort"
	"strings"
)

// Document is a policy document.
type Document struct {
	Version   string     `json:"Version,omitempty"`
	Statement Statements `json:"Statement"`
}

// Statements is one statement object or a list of them.
type Statements []Statement

// UnmarshalJSON accepts a single statement or a list.
func (s *Statements) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		var one Statement
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = Statements{one}
		return nil
	}
	var list []Statement
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*s = list
	return nil
}

// Statement is one policy statement.
type Statement struct {
	Sid          string     `json:"Sid,omitempty"`
	Effect       string     `json:"Effect"`
	Principal    *Principal `json:"Principal,omitempty"`
	NotPrincipal *Principal `json:"NotPrincipal,omitempty"`
	Action       Strings    `json:"Action,omitempty"`
	NotAction    Strings    `json:"NotAction,omitempty"`
	Resource     Strings    `json:"Resource,omitempty"`
	NotResource  Strings    `json:"NotResource,omitempty"`
	// Condition maps an operator (StringEquals, StringLike, ...) to condition keys and values.
	Condition map[string]map[string]Strings `json:"Condition,omitempty"`
}

// Strings is a string or a list of strings.
type Strings []string

// UnmarshalJSON accepts a string, a list of strings, or scalars (booleans, numbers).
func (s *Strings) UnmarshalJSON(b []byte) error {
	var one any
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	switch v := one.(type) {
	case nil:
		*s = nil
	case []any:
		out := make(Strings, 0, len(v))
		for _, e := range v {
			out = append(out, scalar(e))
		}
		*s = out
	default:
		*s = Strings{scalar(v)}
	}
	return nil
}

func scalar(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Principal is "*" or a map of principal types (AWS, Service, Federated, CanonicalUser) to values.
type Principal struct {
	// Wildcard is set for "Principal": "*".
	Wildcard bool
	Types    map[string]Strings
}

// UnmarshalJSON accepts "*" or an object.
func (p *Principal) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		p.Wildcard = s == "*"
		if !p.Wildcard {
			p.Types = map[string]Strings{"AWS": {s}}
		}
		return nil
	}
	return json.Unmarshal(b, &p.Types)
}

// Values returns the principals of one type ("AWS", "Service", "Federated").
func (p *Principal) Values(typ string) []string {
	if p == nil {
		return nil
	}
	for k, v := range p.Types {
		if strings.EqualFold(k, typ) {
			return v
		}
	}
	return nil
}

// All returns every principal as "Type:value", sorted ("*" for a wildcard principal).
func (p *Principal) All() []string {
	if p == nil {
		return nil
	}
	if p.Wildcard {
		return []string{"*"}
	}
	var out []string
	for k, vs := range p.Types {
		for _, v := range vs {
			out = append(out, k+":"+v)
		}
	}
	sort.Strings(out)
	return out
}

// IsAnyone reports whether the principal is everyone: "*" or {"AWS": "*"}.
func (p *Principal) IsAnyone() bool {
	if p == nil {
		return false
	}
	if p.Wildcard {
		return true
	}
	for _, v := range p.Values("AWS") {
		if v == "*" {
			return true
		}
	}
	return false
}

// Parse reads a policy document; nil or empty input is an empty document. A document that
// is a JSON string (PolicyJSON keeps text that is not JSON as a string) is an error.
func Parse(raw json.RawMessage) (*Document, error) {
	d := &Document{}
	if len(raw) == 0 || string(raw) == "null" {
		return d, nil
	}
	if err := json.Unmarshal(raw, d); err != nil {
		return nil, err
	}
	return d, nil
}

// Allows reports whether the statement is an Allow.
func (s *Statement) Allows() bool { return strings.EqualFold(s.Effect, "Allow") }

// Match reports whether an IAM wildcard pattern ("*" any run of characters, "?" any one
// character) matches s, case-insensitively as action names are compared.
func Match(pattern, s string) bool { return glob(strings.ToLower(pattern), strings.ToLower(s), true) }

// MatchStar is Match with "*" as the only wildcard, case-sensitive (ECR repository filters).
func MatchStar(pattern, s string) bool { return glob(pattern, s, false) }

// glob matches pattern against s; "?" is a wildcard when question is set.
func glob(pattern, s string, question bool) bool {
	p, i := []rune(pattern), []rune(s)
	star, mark := -1, 0
	pi, si := 0, 0
	for si < len(i) {
		switch {
		case pi < len(p) && (p[pi] == i[si] || question && p[pi] == '?'):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// MatchesAction reports whether the statement's Action (or NotAction) covers action.
func (s *Statement) MatchesAction(action string) bool {
	if len(s.NotAction) > 0 {
		for _, p := range s.NotAction {
			if Match(p, action) {
				return false
			}
		}
		return true
	}
	for _, p := range s.Action {
		if Match(p, action) {
			return true
		}
	}
	return false
}

// AllResources reports whether the statement applies to every resource: Resource "*" or a
// NotResource.
func (s *Statement) AllResources() bool {
	if len(s.NotResource) > 0 {
		return true
	}
	for _, r := range s.Resource {
		if r == "*" {
			return true
		}
	}
	return false
}

// ConditionKey is one condition on a key: its operator and values.
type ConditionKey struct {
	Operator string
	Key      string
	Values   Strings
}

// Conditions returns the conditions on key (case-insensitive), in operator order.
func (s *Statement) Conditions(key string) []ConditionKey {
	var out []ConditionKey
	for op, keys := range s.Condition {
		for k, v := range keys {
			if strings.EqualFold(k, key) {
				out = append(out, ConditionKey{Operator: op, Key: k, Values: v})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Operator < out[j].Operator })
	return out
}

// HasConditionKey reports whether some condition uses key (case-insensitive), under any operator.
func (s *Statement) HasConditionKey(key string) bool { return len(s.Conditions(key)) > 0 }

// ConditionKeys returns every condition key the statement uses, lower-cased and sorted.
func (s *Statement) ConditionKeys() []string {
	seen := map[string]bool{}
	for _, keys := range s.Condition {
		for k := range keys {
			seen[strings.ToLower(k)] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// BaseOperator strips the ForAnyValue:/ForAllValues: prefix and the IfExists suffix of a
// condition operator: "ForAnyValue:StringLikeIfExists" is "StringLike".
func BaseOperator(op string) string {
	if i := strings.Index(op, ":"); i >= 0 {
		op = op[i+1:]
	}
	return strings.TrimSuffix(op, "IfExists")
}
