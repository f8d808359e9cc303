package vap

// unsupported gives, for every object-local check without a CEL form, the reason. The
// package's tests fail when a PodSpec or Object check is in neither table.
var unsupported = map[string]string{
	// Settings a policy cannot read: the scan takes them from flags, a binding has no such input.
	"EKS-IMG-003": "depends on the configured approved registries (--approved-registries); an export without them would deny every image",
	"EKS-POD-024": "depends on the configured hostPath prefixes (--allowed-hostpath-prefixes), which a policy does not receive",
	// The API server rewrites the object before admission policies see it.
	"EKS-IMG-016": "the API server defaults imagePullPolicy (Always for :latest or no tag, IfNotPresent otherwise) before admission, so a policy never sees the manifest as written",
	// Object-local and expressible, but not translated yet: the scan still enforces them.
	"EKS-DATA-003": "not translated yet (secret references in env and envFrom)",
	"EKS-DATA-005": "not translated yet (StorageClass parameters)",
	"EKS-DATA-007": "not translated yet (PersistentVolume CSI mount options)",
	"EKS-DATA-009": "not translated yet (PersistentVolume volume handles)",
	"EKS-IAM-020":  "not translated yet (default ServiceAccount automount)",
	"EKS-IMG-001":  "not translated yet (image reference parsing)",
	"EKS-IMG-002":  "not translated yet (image reference parsing)",
	"EKS-POD-022":  "not translated yet (runtime socket paths)",
	"EKS-POD-023":  "not translated yet (hostPath mounts across containers)",
	"EKS-POD-026":  "not translated yet (readOnlyRootFilesystem)",
	"EKS-POD-027":  "not translated yet (effective UID and GID)",
	"EKS-POD-030":  "not translated yet (Namespace PSA labels)",
	"EKS-RUN-005":  "not translated yet (Linux hardening mechanisms)",
}
