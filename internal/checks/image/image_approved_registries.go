package image

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// imageApprovedRegistries: EKS-IMG-003, CIS EKS 5.1.4.
//
// Forbidden: a container in ALL_CONTAINERS whose image registry (IMAGE_REF, see
// image_ref.go; docker.io when the reference names none) is not approved. Images from
// arbitrary registries bypass the organisation's curation, scanning and signing, and a
// typo-squatted or hijacked public repository runs with the pod's privileges. The finding
// points at the container's image field. System namespaces are evaluated too (the catalogue
// does not skip them; EKS add-ons pull from ECR and pass).
//
// Approved registries are Config.ApprovedRegistries when set: entries "host[/path]", matched
// by host (with port, case-insensitive; index.docker.io means docker.io) and, when a path is
// given, by whole leading path segments of the repository ("ghcr.io/acme" approves
// ghcr.io/acme/app but not ghcr.io/acme-evil/app), never by substring. On docker.io an
// official image "nginx" is library/nginx for path matching. A configured list replaces the
// default.
//
// Decisions: the default list is the account's own ECR registries in every region, the EKS
// add-on registries (<602401143452 or regional EKS account>.dkr.ecr.<region>.amazonaws.com),
// public.ecr.aws/eks/ and public.ecr.aws/eks-distro/. Manifest mode does not know "this
// account", so by default every private ECR registry host is approved
// (<12-digit account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn] and the dual-stack
// <account>.dkr-ecr[-fips].<region>.on.aws), which includes the EKS add-on accounts; set
// approved registries to narrow this to your own accounts. docker.io, explicit or implicit,
// is not approved by default. Containers without an image are skipped.
var imageApprovedRegistries = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IMG-003",
		Slug:        "image-approved-registries",
		Title:       "Images must come from approved registries",
		Section:     "image-security",
		Severity:    check.Medium,
		Source:      check.SourceK8sObjects,
		Remediation: "Mirror approved images into private ECR (pull-through cache) and enforce the registry list with admission policy.",
		References: check.References{
			Guide:  "image#create-a-set-of-curated-images",
			CISEKS: "5.1.4",
		},
		SystemNamespaces: check.CheckSystemNamespaces,
	},
	PodSpec: func(p inventory.PodSpecRef, r *check.Reporter) {
		rules, list := approvedRegistries(r.Config.ApprovedRegistries)
		for _, c := range p.Containers() {
			if c.Image == "" {
				continue
			}
			ref := parseImageRef(c.Image)
			if registryApproved(ref, rules) {
				continue
			}
			from := ref.Registry
			if !ref.ExplicitRegistry {
				from += " (implicit)"
			}
			r.Fail(p.Object, c.Path.Key("image"), "container "+c.Label()+" image "+strconv.Quote(c.Image)+
				" comes from "+from+", which is not an approved registry ("+list+")")
		}
	},
}

// registryRule approves a registry host and, optionally, a repository path prefix.
type registryRule struct {
	host string
	// path is a repository prefix of whole segments, or "" for the whole registry.
	path string
	// hostPattern, when set, replaces the host comparison (the default's ECR hosts).
	hostPattern *regexp.Regexp
}

// privateECRHost matches every private ECR registry endpoint: standard, FIPS, China
// partition and the dual-stack on.aws form.
var privateECRHost = regexp.MustCompile(`^[0-9]{12}\.(dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?|dkr-ecr(-fips)?\.[a-z0-9-]+\.on\.aws)$`)

// defaultRegistryRules is the allow list used when none is configured.
var defaultRegistryRules = []registryRule{
	{hostPattern: privateECRHost},
	{host: "public.ecr.aws", path: "eks"},
	{host: "public.ecr.aws", path: "eks-distro"},
}

const defaultRegistryList = "default: private ECR registries, public.ecr.aws/eks/, public.ecr.aws/eks-distro/"

// approvedRegistries returns the rules to apply and a description of them for messages.
func approvedRegistries(configured []string) ([]registryRule, string) {
	var rules []registryRule
	var names []string
	for _, entry := range configured {
		if rule, ok := parseRegistryRule(entry); ok {
			rules = append(rules, rule)
			names = append(names, strings.TrimSpace(entry))
		}
	}
	if len(rules) == 0 {
		return defaultRegistryRules, defaultRegistryList
	}
	return rules, "approved: " + strings.Join(names, ", ")
}

// parseRegistryRule reads one "host[/path]" entry; a scheme and trailing slashes are ignored.
func parseRegistryRule(entry string) (registryRule, bool) {
	s := strings.TrimSpace(entry)
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	s = strings.Trim(s, "/")
	if s == "" {
		return registryRule{}, false
	}
	host, path, _ := strings.Cut(s, "/")
	host = strings.ToLower(host)
	if host == "index.docker.io" {
		host = dockerHub
	}
	return registryRule{host: host, path: path}, true
}

// registryApproved reports whether some rule approves the reference.
func registryApproved(ref imageRef, rules []registryRule) bool {
	for _, rule := range rules {
		if rule.matches(ref) {
			return true
		}
	}
	return false
}

func (g registryRule) matches(ref imageRef) bool {
	if g.hostPattern != nil {
		if !g.hostPattern.MatchString(ref.Registry) {
			return false
		}
	} else if ref.Registry != g.host {
		return false
	}
	if g.path == "" {
		return true
	}
	for _, repo := range []string{ref.Repository, ref.MatchRepository()} {
		if repo == g.path || strings.HasPrefix(repo, g.path+"/") {
			return true
		}
	}
	return false
}

func init() { check.Register(imageApprovedRegistries) }
