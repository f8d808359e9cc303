package aws

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/eksguard/eksguard/internal/inventory"
)

// deniedCodes are the error codes AWS services answer a call the caller's policies do not
// allow with.
var deniedCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
	"Client.UnauthorizedOperation": true, "AuthorizationError": true, "UnauthorizedAccess": true,
	"AuthorizationErrorException": true, "Forbidden": true, "ForbiddenException": true,
}

// IsDenied reports whether err is an authorization failure of the call (not of the
// credentials themselves).
func IsDenied(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && deniedCodes[apiErr.ErrorCode()]
}

// errorCode is the API error code of err, or "".
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// isCode reports whether err is an API error with one of these codes.
func isCode(err error, codes ...string) bool {
	code := errorCode(err)
	for _, c := range codes {
		if code == c {
			return true
		}
	}
	return false
}

// gapAcc gathers the failures of one action: one gap per action, naming the first resource
// it failed for and how many more.
type gapAcc struct {
	gap   inventory.Gap
	more  int
	order int
}

// fail records that action failed for resource. A denied call is a forbidden gap naming the
// missing IAM action; any other error (after the retries) is an error gap.
func (c *collector) fail(ctx context.Context, action, resource string, err error) {
	if err == nil || ctx.Err() != nil {
		return
	}
	reason, msg := inventory.GapError, err.Error()
	if IsDenied(err) {
		reason = inventory.GapForbidden
		msg = fmt.Sprintf("the scanner's credentials may not call %s (add it to their IAM policy; see deploy/iam-policy.json): %v", action, err)
	}
	c.debugf("%s %s: %v", action, resource, err)
	c.mu.Lock()
	defer c.mu.Unlock()
	if g, ok := c.gaps[action]; ok {
		g.more++
		if g.gap.Reason != inventory.GapForbidden && reason == inventory.GapForbidden {
			g.gap.Reason, g.gap.Message = reason, msg
		}
		return
	}
	c.gaps[action] = &gapAcc{order: len(c.gaps), gap: inventory.Gap{Kind: inventory.AWSKind(action), Resource: resource, Reason: reason, Message: msg}}
}

// skipped records that action was not called because what it needs could not be read: the
// checks reading it must not mistake the missing data for absence.
func (c *collector) skipped(action, resource, because string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.gaps[action]; ok {
		return
	}
	c.gaps[action] = &gapAcc{order: len(c.gaps), gap: inventory.Gap{Kind: inventory.AWSKind(action), Resource: resource,
		Reason: inventory.GapError, Message: "not collected: " + because}}
}

// failed reports whether action has a gap.
func (c *collector) failed(action string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.gaps[action]
	return ok
}

// sortedGaps returns the gaps by action.
func (c *collector) sortedGaps() []inventory.Gap {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]inventory.Gap, 0, len(c.gaps))
	for _, g := range c.gaps {
		gap := g.gap
		if g.more > 0 {
			gap.Resource += fmt.Sprintf(" (and %d more)", g.more)
		}
		out = append(out, gap)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// fatalCode reports errors that no gap can stand for: the credentials themselves are bad.
func fatalCode(err error) bool {
	return isCode(err, "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException",
		"AuthFailure", "InvalidSignatureException", "SignatureDoesNotMatch") ||
		strings.Contains(err.Error(), "failed to retrieve credentials")
}
