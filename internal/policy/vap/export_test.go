package vap

// RuleIDs are the check IDs with a CEL form.
func RuleIDs() map[string]bool {
	m := map[string]bool{}
	for id := range rules {
		m[id] = true
	}
	return m
}

// UnsupportedIDs are the check IDs listed as unsupported.
func UnsupportedIDs() map[string]bool {
	m := map[string]bool{}
	for id := range unsupported {
		m[id] = true
	}
	return m
}
