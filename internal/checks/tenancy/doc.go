// Package tenancy holds the catalogue's "multi-tenancy" section checks that manifests and the
// Kubernetes API can evaluate. Multi-tenancy and tenant isolation (TEN): quotas, limit ranges, namespaces as boundaries, priority classes, placement.
package tenancy
