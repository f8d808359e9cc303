package awspolicy

import "strings"

// Labeled is a policy document with a label naming where it comes from
// (`inline policy "eks"`, `group platform's managed policy "ECRPush"`).
type Labeled struct {
	Label string
	Doc   *Document
}

// Grants evaluates identity policies locally: for each of actions that some Allow statement
// of docs grants on a resource the resource filter accepts (nil: any), the labels of the
// documents granting it. An action that an unconditioned Deny statement of docs denies on
// every resource is not granted. Conditions on Allow statements are not evaluated (a
// conditioned Allow counts as a grant); permission boundaries, session policies, SCPs and
// resource policies are not part of docs.
func Grants(docs []Labeled, actions []string, resource func(*Statement) bool) map[string][]string {
	denied := map[string]bool{}
	for _, d := range docs {
		for i := range d.Doc.Statement {
			st := &d.Doc.Statement[i]
			if strings.EqualFold(st.Effect, "Deny") && st.AllResources() && len(st.Condition) == 0 {
				for _, a := range actions {
					denied[a] = denied[a] || st.MatchesAction(a)
				}
			}
		}
	}
	out := map[string][]string{}
	for _, d := range docs {
		for i := range d.Doc.Statement {
			st := &d.Doc.Statement[i]
			if !st.Allows() || (resource != nil && !resource(st)) {
				continue
			}
			for _, a := range actions {
				if denied[a] || !st.MatchesAction(a) {
					continue
				}
				if l := out[a]; len(l) == 0 || l[len(l)-1] != d.Label {
					out[a] = append(out[a], d.Label)
				}
			}
		}
	}
	return out
}

// CoversService reports whether the statement's Action covers every action of service
// ("ecr": Action "ecr:*" or "*"; a NotAction that names no action of the service).
func (s *Statement) CoversService(service string) bool {
	if len(s.NotAction) > 0 {
		for _, p := range s.NotAction {
			svc, _, _ := strings.Cut(p, ":")
			if Match(svc, service) {
				return false
			}
		}
		return true
	}
	for _, p := range s.Action {
		if Match(p, service+":*") && (p == "*" || strings.HasSuffix(p, ":*")) {
			return true
		}
	}
	return false
}

// MayNameService reports whether a statement's resources can include a resource of service:
// Resource "*", a NotResource, or an ARN pattern whose service field matches.
func (s *Statement) MayNameService(service string) bool {
	if s.AllResources() {
		return true
	}
	for _, res := range s.Resource {
		parts := strings.SplitN(res, ":", 4)
		if len(parts) >= 3 && Match(parts[2], service) {
			return true
		}
	}
	return false
}
