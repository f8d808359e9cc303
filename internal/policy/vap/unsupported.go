package vap

// unsupported gives, for every object-local check without a CEL form, the reason. The
// package's tests fail when a PodSpec or Object check is in neither table.
var unsupported = map[string]string{
	// Settings a policy cannot read: the scan takes them from flags, a binding has no such input.
	// Object-local and expressible, but not translated yet: the scan still enforces them.
	"EKS-IAM-020": "the ServiceAccount controller creates each namespace's default ServiceAccount without automountServiceAccountToken: " +
		"denying that request would leave new namespaces without one, so pods naming no ServiceAccount could not start (a mutating policy fits)",
}
