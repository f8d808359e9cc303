// Package detective holds the catalogue's Detective Controls section (EKS-DET-*): auditing
// and logging. The checks here read the cluster's AWS side (control-plane logging and its log group, CloudTrail trails).
package detective
