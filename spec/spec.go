// Package spec embeds the eksguard check catalogue (checks.yaml), the reference every
// registered check is tested against and the text `eksguard explain` shows.
package spec

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed checks.yaml
var catalogueYAML []byte

// Entry is one catalogue check.
type Entry struct {
	ID          string         `yaml:"id"`
	Title       string         `yaml:"title"`
	Section     string         `yaml:"section"`
	Source      string         `yaml:"source"`
	Severity    string         `yaml:"severity"`
	Logic       string         `yaml:"logic"`
	Remediation string         `yaml:"remediation"`
	References  map[string]any `yaml:"references"`
}

// Section is one guide section.
type Section struct {
	ID     string `yaml:"id"`
	Title  string `yaml:"title"`
	Prefix string `yaml:"prefix"`
}

// Catalogue is the parsed checks.yaml.
type Catalogue struct {
	Sections    []Section         `yaml:"sections"`
	Definitions map[string]string `yaml:"definitions"`
	Checks      []Entry           `yaml:"checks"`
}

var (
	once   sync.Once
	parsed Catalogue
	err    error
)

// Load parses the embedded catalogue once.
func Load() (*Catalogue, error) {
	once.Do(func() {
		err = yaml.Unmarshal(catalogueYAML, &parsed)
		if err != nil {
			err = fmt.Errorf("parse embedded checks.yaml: %w", err)
		}
	})
	return &parsed, err
}

// Lookup returns the catalogue entry for an ID.
func (c *Catalogue) Lookup(id string) (Entry, bool) {
	for _, e := range c.Checks {
		if strings.EqualFold(e.ID, id) {
			return e, true
		}
	}
	return Entry{}, false
}

// SectionTitle returns the title of a section ID.
func (c *Catalogue) SectionTitle(id string) string {
	for _, s := range c.Sections {
		if s.ID == id {
			return s.Title
		}
	}
	return id
}

// Normalize collapses whitespace as YAML folding leaves it, for comparisons.
func Normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

// Ref returns a references entry (guide, cis_eks, cis_eks_legacy, pss) as a string.
func (e Entry) Ref(key string) string {
	if v, ok := e.References[key]; ok && v != nil {
		return fmt.Sprint(v)
	}
	return ""
}

// SectionIDs lists the section IDs in catalogue order.
func (c *Catalogue) SectionIDs() []string {
	ids := make([]string, len(c.Sections))
	for i, s := range c.Sections {
		ids[i] = s.ID
	}
	return ids
}
