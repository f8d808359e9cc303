package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/eksguard/eksguard/internal/inventory"
)

// result is what listing one target produced.
type result struct {
	target   target
	objects  []*inventory.Object
	problems []inventory.Problem
	gap      *inventory.Gap
	// fatal ends the whole collection: the context ended or the credentials were rejected.
	fatal error
}

// maxRestarts bounds how often a list starts over after its continue token expired.
const maxRestarts = 2

// listTargets lists every target, at most Options.Concurrency at once. Results come back in
// target order, so the inventory's order does not depend on scheduling.
func (c *collector) listTargets(ctx context.Context, targets []target) []*result {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]*result, len(targets))
	sem := make(chan struct{}, c.opts.Concurrency)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := c.listTarget(ctx, t)
			if r.fatal != nil {
				cancel()
			}
			results[i] = r
		}()
	}
	wg.Wait()
	return results
}

// listTarget lists one resource in the namespace (or cluster-wide) and converts its items.
// A failure drops what was listed of the target and becomes its gap.
func (c *collector) listTarget(ctx context.Context, t target) *result {
	r := &result{target: t}
	ns := ""
	var base metav1.ListOptions
	switch {
	case t.namespaced:
		ns = c.opts.Namespace
	case t.gk.Group == "" && t.gk.Kind == "Namespace" && c.opts.Namespace != "":
		// A namespaced collection reads its own Namespace object only.
		base.FieldSelector = fields.OneTermEqualSelector("metadata.name", c.opts.Namespace).String()
	}
	var err error
	if t.isSecrets() {
		err = c.listSecrets(ctx, t, ns, r)
	} else {
		err = c.listObjects(ctx, t, ns, base, r)
	}
	if err != nil {
		r.objects, r.problems = nil, nil
		r.gap, r.fatal = c.failure(ctx, t, ns, err)
	}
	c.progress(t.String(), len(r.objects), true)
	return r
}

// listObjects pages through a resource with the dynamic client. Secrets never come here.
func (c *collector) listObjects(ctx context.Context, t target, ns string, base metav1.ListOptions, r *result) error {
	if t.isSecrets() {
		return errors.New("secrets are listed as metadata only")
	}
	res := c.dyn.Resource(t.gvr).Namespace(ns)
	return c.pages(ctx, t, base, func() { r.objects, r.problems = r.objects[:0], r.problems[:0] },
		func(ctx context.Context, opts metav1.ListOptions) (string, error) {
			list, err := res.List(ctx, opts)
			if err != nil {
				return "", err
			}
			for i := range list.Items {
				obj, problems := c.object(t, list.Items[i].Object)
				r.objects = append(r.objects, obj)
				r.problems = append(r.problems, problems...)
			}
			c.progress(t.String(), len(r.objects), false)
			return list.GetContinue(), nil
		})
}

// pages runs list page by page (limit/continue), retrying each page on transient errors. A
// continue token that expired (410) starts the list over, after reset.
func (c *collector) pages(ctx context.Context, t target, base metav1.ListOptions, reset func(), list func(context.Context, metav1.ListOptions) (string, error)) error {
	opts := base
	opts.Limit = c.opts.PageSize
	for restarts := 0; ; {
		var next string
		err := c.retry(ctx, "list "+t.resource(), func(ctx context.Context) error {
			var err error
			next, err = list(ctx, opts)
			return err
		})
		if err != nil && opts.Continue != "" && (apierrors.IsResourceExpired(err) || apierrors.IsGone(err)) && restarts < maxRestarts {
			restarts++
			c.debugf("list %s: continue token expired; starting over", t.resource())
			opts.Continue = ""
			reset()
			continue
		}
		if err != nil || next == "" {
			return err
		}
		opts.Continue = next
	}
}

// retry runs call until it succeeds, fails for good, or the backoff's tries are used up;
// then the last error is returned.
func (c *collector) retry(ctx context.Context, what string, call func(context.Context) error) error {
	var last error
	try := 0
	err := wait.ExponentialBackoffWithContext(ctx, *c.opts.Backoff, func(ctx context.Context) (bool, error) {
		try++
		last = call(ctx)
		switch {
		case last == nil:
			return true, nil
		case ctx.Err() != nil:
			return false, ctx.Err()
		case transient(last):
			c.debugf("%s: try %d: %v", what, try, last)
			return false, nil
		}
		return false, last
	})
	if wait.Interrupted(err) && last != nil && ctx.Err() == nil {
		return fmt.Errorf("%w (gave up after %d tries)", last, try)
	}
	return err
}

// transient reports whether an error may go away on its own: timeouts, throttling (429),
// server errors (5xx) and dropped connections.
func transient(err error) bool {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		code := status.Status().Code
		return code == 429 || code >= 500 || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err)
	}
	var netErr net.Error
	return (errors.As(err, &netErr) && netErr.Timeout()) ||
		utilnet.IsConnectionReset(err) || utilnet.IsConnectionRefused(err) || utilnet.IsProbableEOF(err) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded)
}

// failure turns a list error into the target's gap, or into a fatal error.
func (c *collector) failure(ctx context.Context, t target, ns string, err error) (*inventory.Gap, error) {
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if apierrors.IsUnauthorized(err) {
		return nil, fmt.Errorf("list %s: %w", t.resource(), err)
	}
	gap := &inventory.Gap{Kind: t.gk.Kind, Resource: t.resource(), Namespace: ns, Reason: inventory.GapError, Message: err.Error()}
	switch {
	case apierrors.IsForbidden(err):
		gap.Reason = inventory.GapForbidden
	case apierrors.IsNotFound(err) && !t.builtin:
		// The CRD went away after discovery: no such objects, as when it is not installed.
		c.debugf("%s is no longer served: no such objects", t)
		return nil, nil
	case apierrors.IsNotFound(err):
		gap.Reason = inventory.GapNotFound
	}
	return gap, nil
}
