// Package exception lets teams accept findings on purpose, with a written reason, an owner
// and an end date: entries of an exceptions file (--exceptions, .eksguard.yaml) and
// eksguard.io/ignore annotations on the objects themselves. A finding an exception covers
// is reported with status excepted and never fails the run or its control; an expired
// entry stops applying and is reported.
//
// Nothing here reads the clock: the time a run is judged at is passed in (Options.Now).
package exception

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
	"github.com/eksguard/eksguard/spec"
)

// Catalogue is what exceptions may name: the catalogue's check IDs and the registered
// checks' slugs.
type Catalogue struct {
	IDs []string
	// Slugs maps a slug (privileged) to its ID (EKS-POD-001).
	Slugs map[string]string
}

// DefaultCatalogue is the embedded catalogue (spec/checks.yaml), every check of which an
// exception may name whether this build implements it or not, plus the registry's slugs.
func DefaultCatalogue() (Catalogue, error) {
	cat, err := spec.Load()
	if err != nil {
		return Catalogue{}, err
	}
	c := Catalogue{Slugs: map[string]string{}}
	for _, e := range cat.Checks {
		c.IDs = append(c.IDs, e.ID)
	}
	all, err := check.All()
	if err != nil {
		return Catalogue{}, err
	}
	for _, chk := range all {
		c.Slugs[chk.Slug] = chk.ID
	}
	return c, nil
}

// Resolve returns the IDs a check pattern names: an ID, a slug, or a glob over IDs
// (path.Match syntax: EKS-POD-0*), case-insensitively. It fails on a malformed glob;
// a pattern that names nothing returns no IDs.
func (c Catalogue) Resolve(pattern string) (map[string]bool, error) {
	p := strings.TrimSpace(pattern)
	if id, ok := c.Slugs[strings.ToLower(p)]; ok {
		return map[string]bool{id: true}, nil
	}
	up := strings.ToUpper(p)
	if _, err := path.Match(up, ""); err != nil {
		return nil, fmt.Errorf("%q is not a valid check pattern: %v", pattern, err)
	}
	ids := map[string]bool{}
	for _, id := range c.IDs {
		if ok, _ := path.Match(up, id); ok {
			ids[id] = true
		}
	}
	return ids, nil
}

// Entry is one exceptions-file entry.
type Entry struct {
	// Check is the check pattern as written: an ID, a slug or a glob over IDs.
	Check string
	// Namespace, Kind and Name are path.Match globs ("" matches anything); a whole-string
	// match, so web-* matches web-api but web matches only web.
	Namespace, Kind, Name string
	// Labels must all be present on the object with exactly these values.
	Labels        map[string]string
	Justification string
	Owner         string
	// Expires is the last day (UTC) the entry applies.
	Expires time.Time
	// File, Line and Column locate the entry.
	File         string
	Line, Column int

	ids map[string]bool
	ref *check.ExceptionRef
}

// DateLayout is the layout of expires.
const DateLayout = "2006-01-02"

// Source is "file:line" of the entry.
func (e *Entry) Source() string { return fmt.Sprintf("%s:%d", e.File, e.Line) }

// Expired reports whether the entry no longer applies at now: it is valid through its
// expiry day, UTC, so it expires at the following midnight.
func (e *Entry) Expired(now time.Time) bool {
	return !now.Before(e.Expires.AddDate(0, 0, 1))
}

// Covers reports whether the entry names checkID.
func (e *Entry) Covers(checkID string) bool { return e.ids[checkID] }

// Matches reports whether the entry selects obj (ignoring the check and expiry).
func (e *Entry) Matches(obj *inventory.Object) bool {
	if !glob(e.Namespace, namespaceOf(obj)) || !glob(e.Kind, obj.Kind) || !glob(e.Name, obj.Name) {
		return false
	}
	if len(e.Labels) == 0 {
		return true
	}
	labels := labelsOf(obj)
	for k, v := range e.Labels {
		got, ok := labels[k]
		if !ok || got != v {
			return false
		}
	}
	return true
}

// Selector is the object selector of an entry as the report shows it.
func (e *Entry) Selector() Selector {
	return Selector{Namespace: e.Namespace, Kind: e.Kind, Name: e.Name, Labels: e.Labels}
}

func glob(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	ok, _ := path.Match(pattern, s) // patterns are validated when loaded
	return ok
}

// namespaceOf is the namespace an object lives in, or names (for a Namespace object),
// as the runner treats it: an entry for namespace prod covers the Namespace prod too.
func namespaceOf(o *inventory.Object) string {
	if o.Kind == "Namespace" && o.Group() == "" {
		return o.Name
	}
	return o.Namespace
}

// labelsOf returns metadata.labels of the object itself.
func labelsOf(o *inventory.Object) map[string]string {
	if typed, ok := o.Typed.(metav1.Object); ok {
		return typed.GetLabels()
	}
	md, _ := o.Raw["metadata"].(map[string]any)
	raw, _ := md["labels"].(map[string]any)
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// Selector names the objects an exception covers.
type Selector struct {
	Namespace string            `json:"namespace,omitempty"`
	Kind      string            `json:"kind,omitempty"`
	Name      string            `json:"name,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
}

// String renders the selector for tables: namespace=shop kind=Deployment name=web-* app=web.
func (s Selector) String() string {
	var parts []string
	for _, f := range [][2]string{{"namespace", s.Namespace}, {"kind", s.Kind}, {"name", s.Name}} {
		if f[1] != "" {
			parts = append(parts, f[0]+"="+f[1])
		}
	}
	keys := make([]string, 0, len(s.Labels))
	for k := range s.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, "label "+k+"="+s.Labels[k])
	}
	if len(parts) == 0 {
		return "any object"
	}
	return strings.Join(parts, " ")
}

// Options configure a Set.
type Options struct {
	// Now is the time the run is judged at; entries whose expiry day has passed by then
	// do not apply.
	Now time.Time
	// Inline reads eksguard.io/ignore annotations (off with --no-inline-exceptions).
	Inline bool
	// Catalogue validates the checks annotations name.
	Catalogue Catalogue
}

// Set is the exceptions of one run: the entries of every exceptions file, in load order,
// and whether object annotations count. It is read-only once built.
type Set struct {
	Entries []*Entry
	opts    Options
}

// At returns the set judged at now: expiry dates are compared with it. A long-running
// process (the admission webhook) calls it per request, so an entry stops applying on its
// expiry date without a restart.
func (s *Set) At(now time.Time) *Set {
	c := *s
	c.opts.Now = now
	return &c
}

// New builds a set from loaded entries.
func New(entries []*Entry, opts Options) *Set {
	for _, e := range entries {
		e.ref = &check.ExceptionRef{Source: e.Source(), Type: check.ExceptionFile, Justification: e.Justification,
			Owner: e.Owner, Expires: e.Expires.Format(DateLayout)}
	}
	return &Set{Entries: entries, opts: opts}
}

// ExpiryProblems reports every expired entry as a warning at its file and line.
func (s *Set) ExpiryProblems() []inventory.Problem {
	var out []inventory.Problem
	for _, e := range s.Entries {
		if e.Expired(s.opts.Now) {
			out = append(out, inventory.Problem{Level: inventory.ProblemWarning,
				Position: inventory.Position{File: e.File, Line: e.Line, Column: e.Column},
				Message: fmt.Sprintf("exception for %s (%s, owner %s) expired on %s and no longer applies; renew or remove it",
					e.Check, e.Selector(), e.Owner, e.Expires.Format(DateLayout))})
		}
	}
	return out
}

// Use is one exception as the report lists it.
type Use struct {
	// Source is "file:line" of the entry or of the annotation (a live object's k8s:// URI
	// when it has no file).
	Source string `json:"source"`
	// Type is "file" or "annotation".
	Type string `json:"type"`
	// Check is the check pattern as written.
	Check    string   `json:"check"`
	Selector Selector `json:"selector"`
	// Justification is the entry's justification or the annotation's reason.
	Justification string `json:"justification"`
	Owner         string `json:"owner,omitempty"`
	// Expires is the last day the entry applies (YYYY-MM-DD); annotations do not expire.
	Expires string `json:"expires,omitempty"`
	// Expired entries no longer apply.
	Expired bool `json:"expired"`
	// Suppressed counts the findings of this run the exception covered (before --severity
	// and --namespace filter the report); a finding several exceptions match is credited
	// to the first (files in load order, then annotations).
	Suppressed int `json:"suppressed"`
	// Unused is true when the exception is in force, a check it names ran, and it
	// suppressed nothing: it can probably be removed.
	Unused bool `json:"unused"`
}

// Matcher applies a Set to one inventory: it implements check.Excepter.
type Matcher struct {
	set    *Set
	inline map[*inventory.Object][]*inlineEntry
	// inlineOrder lists the annotation exceptions in object order, for the report.
	inlineOrder []*inlineEntry
}

// Bind prepares the set for inv: it reads the eksguard.io/ignore annotations (unless
// Options.Inline is off) and returns the matcher and the annotations' problems (no reason,
// an unknown check), each at the annotation's position.
func (s *Set) Bind(inv *inventory.Inventory) (*Matcher, []inventory.Problem) {
	m := &Matcher{set: s, inline: map[*inventory.Object][]*inlineEntry{}}
	if !s.opts.Inline {
		return m, nil
	}
	var problems []inventory.Problem
	for _, o := range inv.Objects {
		entries, probs := parseInline(o, s.opts.Catalogue)
		problems = append(problems, probs...)
		if len(entries) > 0 {
			m.inline[o] = entries
			m.inlineOrder = append(m.inlineOrder, entries...)
		}
	}
	return m, problems
}

// Except returns the exception that covers a finding about obj, or nil: the first
// exceptions-file entry in force that names the check and selects the object, else the
// first annotation of obj that names the check.
func (m *Matcher) Except(obj *inventory.Object, f *check.Finding) *check.ExceptionRef {
	for _, e := range m.set.Entries {
		if e.Covers(f.CheckID) && !e.Expired(m.set.opts.Now) && e.Matches(obj) {
			return e.ref
		}
	}
	for _, a := range m.inline[obj] {
		if a.ids[f.CheckID] {
			return a.ref
		}
	}
	return nil
}

// Uses lists every exception with how many of findings it suppressed. ran holds the IDs
// of the checks that ran (an exception for checks that did not run is never "unused").
func (m *Matcher) Uses(findings []check.Finding, ran map[string]bool) []Use {
	count := map[*check.ExceptionRef]int{}
	for i := range findings {
		if ref := findings[i].Exception; ref != nil {
			count[ref]++
		}
	}
	anyRan := func(ids map[string]bool) bool {
		for id := range ids {
			if ran[id] {
				return true
			}
		}
		return false
	}
	out := []Use{}
	for _, e := range m.set.Entries {
		u := Use{Source: e.Source(), Type: check.ExceptionFile, Check: e.Check, Selector: e.Selector(),
			Justification: e.Justification, Owner: e.Owner, Expires: e.Expires.Format(DateLayout),
			Expired: e.Expired(m.set.opts.Now), Suppressed: count[e.ref]}
		u.Unused = !u.Expired && u.Suppressed == 0 && anyRan(e.ids)
		out = append(out, u)
	}
	for _, a := range m.inlineOrder {
		u := Use{Source: a.ref.Source, Type: check.ExceptionAnnotation, Check: a.check,
			Selector:      Selector{Namespace: a.obj.Namespace, Kind: a.obj.Kind, Name: a.obj.Name},
			Justification: a.ref.Justification, Suppressed: count[a.ref]}
		u.Unused = u.Suppressed == 0 && anyRan(a.ids)
		out = append(out, u)
	}
	return out
}
