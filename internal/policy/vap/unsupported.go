package vap

// unsupported gives, for every object-local check without a CEL form, the reason. The
// package's tests fail when a PodSpec or Object check is in neither table.
var unsupported = map[string]string{
	// Settings a policy cannot read: the scan takes them from flags, a binding has no such input.
	"EKS-IMG-003": "depends on the configured approved registries (--approved-registries) and, by default, on the scanning account's ECR registries, which a policy does not receive",
	"EKS-POD-024": "depends on the configured hostPath prefixes (--allowed-hostpath-prefixes), which a policy does not receive",
	// Object-local and expressible, but not translated yet: the scan still enforces them.
	"EKS-DATA-005": "not translated yet (StorageClass parameters)",
	"EKS-DATA-007": "not translated yet (PersistentVolume CSI mount options)",
	"EKS-DATA-009": "not translated yet (PersistentVolume volume handles)",
	"EKS-IAM-020":  "not translated yet (default ServiceAccount automount)",
	"EKS-POD-022":  "not translated yet (runtime socket paths)",
	"EKS-POD-030":  "not translated yet (Namespace PSA labels)",
}
