package check

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

var (
	registryMu sync.Mutex
	registered []*Check
	sealed     []*Check
	sealErr    error
	sealOnce   sync.Once
)

// Register adds a check to the registry. Check files call it from init().
func Register(c *Check) {
	registryMu.Lock()
	defer registryMu.Unlock()
	registered = append(registered, c)
}

var (
	idPattern   = regexp.MustCompile(`^EKS-[A-Z]+-[0-9]{3}$`)
	slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// All returns every registered check sorted by ID. It fails when the registry is invalid:
// duplicate IDs or slugs, malformed IDs, missing metadata, or not exactly one Eval function.
func All() ([]*Check, error) {
	sealOnce.Do(func() {
		registryMu.Lock()
		defer registryMu.Unlock()
		sealed = append([]*Check(nil), registered...)
		sort.Slice(sealed, func(i, j int) bool { return sealed[i].ID < sealed[j].ID })
		sealErr = validate(sealed)
	})
	return sealed, sealErr
}

// MustAll is All for callers that already validated the registry in tests.
func MustAll() []*Check {
	all, err := All()
	if err != nil {
		panic(err)
	}
	return all
}

// Lookup finds a check by ID or slug, case-insensitively.
func Lookup(idOrSlug string) (*Check, bool) {
	all, _ := All()
	for _, c := range all {
		if strings.EqualFold(c.ID, idOrSlug) || c.Slug == strings.ToLower(idOrSlug) {
			return c, true
		}
	}
	return nil, false
}

func validate(checks []*Check) error {
	var errs []string
	ids, slugs := map[string]bool{}, map[string]bool{}
	for _, c := range checks {
		switch {
		case !idPattern.MatchString(c.ID):
			errs = append(errs, fmt.Sprintf("check %q: ID must look like EKS-POD-001", c.ID))
		case ids[c.ID]:
			errs = append(errs, fmt.Sprintf("check %s registered twice", c.ID))
		case !slugPattern.MatchString(c.Slug) || slugs[c.Slug]:
			errs = append(errs, fmt.Sprintf("check %s: slug %q is not kebab-case or is taken", c.ID, c.Slug))
		case c.Title == "" || c.Section == "" || c.Source == "":
			errs = append(errs, fmt.Sprintf("check %s: title, section and source are required", c.ID))
		case strings.TrimSpace(c.Remediation) == "" || c.References.Guide == "":
			errs = append(errs, fmt.Sprintf("check %s: remediation and a guide reference are required", c.ID))
		}
		n := 0
		for _, f := range []bool{c.PodSpec != nil, c.Object != nil, c.Inventory != nil} {
			if f {
				n++
			}
		}
		if n != 1 {
			errs = append(errs, fmt.Sprintf("check %s: needs exactly one of PodSpec, Object, Inventory", c.ID))
		}
		if c.Object != nil && len(c.Kinds) == 0 {
			errs = append(errs, fmt.Sprintf("check %s: Object checks must list their Kinds", c.ID))
		}
		ids[c.ID], slugs[c.Slug] = true, true
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid check registry:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}
