package check

import (
	"fmt"
	"strings"
)

// Framework is a benchmark or standard checks map to; scores are given per framework.
type Framework string

// Frameworks eksguard scores.
const (
	// EKSBestPractices is the EKS best practices guide: every catalogue check.
	EKSBestPractices Framework = "eks-bp"
	// CISEKS is the CIS Amazon EKS Benchmark v1.8.0 (controls with a cis_eks reference).
	CISEKS Framework = "cis-eks"
	// PSSBaseline and PSSRestricted are the Pod Security Standards levels; restricted
	// includes baseline, as in pod-security-admission.
	PSSBaseline   Framework = "pss-baseline"
	PSSRestricted Framework = "pss-restricted"
)

// AllFrameworks lists the frameworks in report order.
var AllFrameworks = []Framework{EKSBestPractices, CISEKS, PSSBaseline, PSSRestricted}

// Title is the framework's display name.
func (f Framework) Title() string {
	switch f {
	case EKSBestPractices:
		return "EKS best practices"
	case CISEKS:
		return "CIS Amazon EKS 1.8.0"
	case PSSBaseline:
		return "PSS baseline"
	case PSSRestricted:
		return "PSS restricted"
	}
	return string(f)
}

// ParseFramework reads a framework name.
func ParseFramework(name string) (Framework, error) {
	for _, f := range AllFrameworks {
		if strings.EqualFold(name, string(f)) {
			return f, nil
		}
	}
	names := make([]string, len(AllFrameworks))
	for i, f := range AllFrameworks {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown framework %q (want one of %s)", name, strings.Join(names, ", "))
}

// In reports whether a check with these references belongs to framework f.
func (r References) In(f Framework) bool {
	switch f {
	case EKSBestPractices:
		return true
	case CISEKS:
		return r.CISEKS != ""
	case PSSBaseline:
		return strings.HasPrefix(r.PSS, "baseline/")
	case PSSRestricted:
		return strings.HasPrefix(r.PSS, "baseline/") || strings.HasPrefix(r.PSS, "restricted/")
	}
	return false
}

// Frameworks lists the frameworks the references map to.
func (r References) Frameworks() []Framework {
	var out []Framework
	for _, f := range AllFrameworks {
		if r.In(f) {
			out = append(out, f)
		}
	}
	return out
}
