// Package iam holds the catalogue's Identity and Access Management section (EKS-IAM-*) as far
// as Kubernetes objects can show it: the default service account, service account token
// mounting and the RBAC bindings that give a token its power. These checks evaluate
// manifests as well as live objects. The section's AWS-side checks (cluster endpoint access,
// authentication mode, IAM roles and node instance metadata) need AWS APIs and are not here.
package iam
