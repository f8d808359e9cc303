package data

import (
	"strconv"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// secretsInEnv: EKS-DATA-003, CIS EKS 4.4.1.
//
// Forbidden: a container in ALL_CONTAINERS (init, regular and ephemeral) that reads a Secret
// into environment variables, through env[*].valueFrom.secretKeyRef or envFrom[*].secretRef.
// Environment variables leak into child processes, crash dumps, /proc/<pid>/environ and
// logging of the process environment, and a changed Secret never reaches a running process;
// a mounted Secret volume avoids all of these. Each reference is a finding at its
// secretKeyRef or secretRef, naming the container, the variable (or envFrom index and prefix)
// and the Secret with its key. System namespaces are skipped unless included. Only names are
// reported; Secret values are never read.
var secretsInEnv = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-DATA-003",
		Slug:        "secrets-in-env",
		Title:       "Secrets in Kubernetes must be consumed as files, not environment variables",
		Section:     "data",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Mount the Secret as a volume (or use the Secrets Store CSI driver) and read it from the file.",
		References: check.References{
			Guide:  "data#use-volume-mounts-instead-of-environment-variables",
			CISEKS: "4.4.1",
		},
		SystemNamespaces: check.SkipSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		for _, c := range p.Containers() {
			for i, e := range c.Env {
				if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
					continue
				}
				ref := e.ValueFrom.SecretKeyRef
				at := c.Path.Key("env").Index(i).Key("valueFrom").Key("secretKeyRef")
				r.Fail(p.Object, at, "container "+c.Label()+" reads key "+strconv.Quote(ref.Key)+" of Secret "+strconv.Quote(ref.Name)+
					" into environment variable "+e.Name)
			}
			for i, e := range c.EnvFrom {
				if e.SecretRef == nil {
					continue
				}
				at := c.Path.Key("envFrom").Index(i).Key("secretRef")
				msg := "container " + c.Label() + " reads every key of Secret " + strconv.Quote(e.SecretRef.Name) + " into environment variables"
				if e.Prefix != "" {
					msg += " (prefix " + strconv.Quote(e.Prefix) + ")"
				}
				r.Fail(p.Object, at, msg)
			}
		}
	},
}

func init() { check.Register(secretsInEnv) }
