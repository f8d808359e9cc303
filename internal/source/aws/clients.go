package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/detective"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"github.com/eksguard/eksguard/internal/version"
)

// clients are the service clients of one collection, sharing one configuration: the
// credential chain, the adaptive retryer, the request bound and the call recorder.
type clients struct {
	region         string
	eks            *eks.Client
	ec2            *ec2.Client
	iam            *iam.Client
	ecr            *ecr.Client
	kms            *kms.Client
	cloudtrail     *cloudtrail.Client
	guardduty      *guardduty.Client
	logs           *cloudwatchlogs.Client
	cloudwatch     *cloudwatch.Client
	events         *eventbridge.Client
	detective      *detective.Client
	efs            *efs.Client
	inspector      *inspector2.Client
	ssm            *ssm.Client
	autoscaling    *autoscaling.Client
	sts            *sts.Client
	s3             *s3.Client
	securityhub    *securityhub.Client
	config         *configservice.Client
	secretsmanager *secretsmanager.Client
}

func newCollector(ctx context.Context, opts Options) (*collector, error) {
	c := &collector{opts: opts, gaps: map[string]*gapAcc{}, once: map[string]*sync.Once{}}
	load := []func(*config.LoadOptions) error{
		config.WithRetryer(func() sdkaws.Retryer {
			return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
				o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
					so.MaxAttempts = opts.MaxAttempts
					if opts.MaxBackoff > 0 {
						so.MaxBackoff = opts.MaxBackoff
					}
				})
			})
		}),
		config.WithAppID("eksguard-" + strings.TrimPrefix(version.String(), "v")),
	}
	if opts.Region != "" {
		load = append(load, config.WithRegion(opts.Region))
	}
	if opts.Profile != "" {
		load = append(load, config.WithSharedConfigProfile(opts.Profile))
	}
	if opts.Credentials != nil {
		load = append(load, config.WithCredentialsProvider(opts.Credentials))
	}
	if opts.HTTPClient != nil {
		load = append(load, config.WithHTTPClient(opts.HTTPClient))
	}
	if opts.BaseEndpoint != "" {
		load = append(load, config.WithBaseEndpoint(opts.BaseEndpoint))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: give --region (or set AWS_REGION, or a region in the profile)")
	}
	sem := make(chan struct{}, opts.Concurrency)
	cfg.APIOptions = append(cfg.APIOptions, func(s *middleware.Stack) error {
		if err := s.Initialize.Add(c.recorder(), middleware.After); err != nil {
			return err
		}
		// Each attempt (not each operation) holds a slot: a call waiting to retry does not
		// keep another from running.
		return s.Finalize.Insert(bound(sem), "Retry", middleware.After)
	})
	cfg.APIOptions = append(cfg.APIOptions, opts.APIOptions...)
	c.clients = &clients{
		region:      cfg.Region,
		eks:         eks.NewFromConfig(cfg),
		ec2:         ec2.NewFromConfig(cfg),
		iam:         iam.NewFromConfig(cfg),
		ecr:         ecr.NewFromConfig(cfg),
		kms:         kms.NewFromConfig(cfg),
		cloudtrail:  cloudtrail.NewFromConfig(cfg),
		guardduty:   guardduty.NewFromConfig(cfg),
		logs:        cloudwatchlogs.NewFromConfig(cfg),
		cloudwatch:  cloudwatch.NewFromConfig(cfg),
		events:      eventbridge.NewFromConfig(cfg),
		detective:   detective.NewFromConfig(cfg),
		efs:         efs.NewFromConfig(cfg),
		inspector:   inspector2.NewFromConfig(cfg),
		ssm:         ssm.NewFromConfig(cfg),
		autoscaling: autoscaling.NewFromConfig(cfg),
		sts:         sts.NewFromConfig(cfg),
		// moto (tests, BaseEndpoint) serves S3 only path-style.
		s3:             s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = opts.BaseEndpoint != "" }),
		securityhub:    securityhub.NewFromConfig(cfg),
		config:         configservice.NewFromConfig(cfg),
		secretsmanager: secretsmanager.NewFromConfig(cfg),
	}
	return c, nil
}

// s3Actions are the S3 operations whose IAM action has another name.
var s3Actions = map[string]string{
	"ListBuckets":                "ListAllMyBuckets",
	"GetPublicAccessBlock":       "GetBucketPublicAccessBlock",
	"GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
}

// Action is the IAM action of an SDK operation: the service's ID lower-cased, a colon and
// the operation name ("EKS", "DescribeCluster" -> "eks:DescribeCluster"). CloudWatch Logs'
// IAM prefix is "logs", EventBridge's "events", EFS's "elasticfilesystem", AWS Config's
// "config"; some S3 operations have IAM actions of other names (s3Actions).
func Action(serviceID, operation string) string {
	switch serviceID {
	case "CloudWatch Logs":
		return "logs:" + operation
	case "EventBridge":
		return "events:" + operation
	case "EFS":
		return "elasticfilesystem:" + operation
	case "Config Service":
		return "config:" + operation
	case "S3":
		if a, ok := s3Actions[operation]; ok {
			return "s3:" + a
		}
	}
	return strings.ToLower(strings.ReplaceAll(serviceID, " ", "")) + ":" + operation
}

// recorder counts every operation and reports it to Options.OnCall.
func (c *collector) recorder() middleware.InitializeMiddleware {
	return middleware.InitializeMiddlewareFunc("eksguardRecordAction", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		action := Action(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx))
		c.mu.Lock()
		c.calls++
		c.mu.Unlock()
		if c.opts.OnCall != nil {
			c.opts.OnCall(action)
		}
		return next.HandleInitialize(ctx, in)
	})
}

// bound holds one of the semaphore's slots while a request attempt is in flight.
func bound(sem chan struct{}) middleware.FinalizeMiddleware {
	return middleware.FinalizeMiddlewareFunc("eksguardConcurrency", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return middleware.FinalizeOutput{}, middleware.Metadata{}, ctx.Err()
		}
		defer func() { <-sem }()
		return next.HandleFinalize(ctx, in)
	})
}

type identity struct{ account, partition, arn string }

// identity asks STS who the credentials are. Missing or rejected credentials end the
// collection here, with one clear error instead of a gap for every call.
func (c *collector) identity(ctx context.Context) (identity, error) {
	out, err := c.clients.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		if ctx.Err() != nil {
			return identity{}, ctx.Err()
		}
		return identity{}, fmt.Errorf("AWS credentials: %w", err)
	}
	id := identity{account: str(out.Account), arn: str(out.Arn), partition: "aws"}
	if parts := strings.SplitN(id.arn, ":", 3); len(parts) == 3 && parts[1] != "" {
		id.partition = parts[1]
	}
	c.debugf("AWS identity %s (account %s)", id.arn, id.account)
	return id, nil
}
