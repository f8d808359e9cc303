// Package iam holds the catalogue's Identity and Access Management section (EKS-IAM-*) as far
// as Kubernetes objects can show it: the default service account, service account token
// mounting and the RBAC bindings that give a token its power. These checks evaluate
// manifests as well as live objects. The checks of the cluster's AWS side (source aws-eks:
// endpoint access, authentication mode, access entries, workload roles) read inventory.AWS
// and report on ARNs; their fixtures are recorded facts (testdata/<slug>/*.json).
package iam
