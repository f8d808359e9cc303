// Package compliance holds the catalogue's "compliance" section checks that manifests and the
// Kubernetes API can evaluate. Regulatory compliance and policy as code (CMP): admission controllers and their configuration.
package compliance
