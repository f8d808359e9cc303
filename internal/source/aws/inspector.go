package aws

import (
	"context"
	"sort"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	inspectortypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// inspector reads the account's Amazon Inspector status and Inspector's coverage of
// CLUSTER_NODES (read after the instances, in the second phase). inspectorFindings reads the
// findings on the images the cluster runs (ecr_images.go calls it).
func (c *collector) inspector(ctx context.Context) {
	out, err := c.clients.inspector.BatchGetAccountStatus(ctx, &inspector2.BatchGetAccountStatusInput{AccountIds: []string{c.out.Account}})
	if err != nil {
		c.fail(ctx, "inspector2:BatchGetAccountStatus", c.out.Account, err)
	} else if len(out.Accounts) > 0 {
		st := out.Accounts[0]
		c.add(func(a *inventory.AWS) { a.Inspector = &st })
	}
	c.mu.Lock()
	var ids []string
	for _, i := range c.out.Instances {
		ids = append(ids, str(i.InstanceId))
	}
	c.mu.Unlock()
	const perRequest = 10 // the most values a coverage filter takes
	for start := 0; start < len(ids); start += perRequest {
		var byID []inspectortypes.CoverageStringFilter
		for _, id := range ids[start:min(start+perRequest, len(ids))] {
			byID = append(byID, inspectortypes.CoverageStringFilter{Comparison: inspectortypes.CoverageStringComparisonEquals, Value: sdkaws.String(id)})
		}
		p := inspector2.NewListCoveragePaginator(c.clients.inspector, &inspector2.ListCoverageInput{FilterCriteria: &inspectortypes.CoverageFilterCriteria{
			ResourceType: []inspectortypes.CoverageStringFilter{{Comparison: inspectortypes.CoverageStringComparisonEquals, Value: sdkaws.String(string(inspectortypes.CoverageResourceTypeAwsEc2Instance))}},
			ResourceId:   byID,
		}})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				c.fail(ctx, "inspector2:ListCoverage", ids[start], err)
				return
			}
			c.add(func(a *inventory.AWS) { a.InspectorCoverage = append(a.InspectorCoverage, page.CoveredResources...) })
		}
	}
}

// inspectorFindings reads Amazon Inspector's active findings on the repository's images
// (inspector2:ListFindings filtered on the repository name and up to 10 image digests a
// call) and gives each image its own.
func (c *collector) inspectorFindings(ctx context.Context, repo string, images []*inventory.ECRImage) {
	byDigest := map[string]*inventory.ECRImage{}
	for _, img := range images {
		byDigest[str(img.Detail.ImageDigest)] = img
	}
	eq := func(v string) inspectortypes.StringFilter {
		return inspectortypes.StringFilter{Comparison: inspectortypes.StringComparisonEquals, Value: sdkaws.String(v)}
	}
	const perRequest = 10 // the most values a string filter takes
	for start := 0; start < len(images); start += perRequest {
		var hashes []inspectortypes.StringFilter
		for _, img := range images[start:min(start+perRequest, len(images))] {
			hashes = append(hashes, eq(str(img.Detail.ImageDigest)))
		}
		p := inspector2.NewListFindingsPaginator(c.clients.inspector, &inspector2.ListFindingsInput{FilterCriteria: &inspectortypes.FilterCriteria{
			EcrImageRepositoryName: []inspectortypes.StringFilter{eq(repo)},
			EcrImageHash:           hashes,
			FindingStatus:          []inspectortypes.StringFilter{eq(string(inspectortypes.FindingStatusActive))},
		}})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				c.fail(ctx, "inspector2:ListFindings", c.repoARN(repo), err)
				return
			}
			for _, f := range page.Findings {
				for _, res := range f.Resources {
					if res.Details == nil || res.Details.AwsEcrContainerImage == nil {
						continue
					}
					if img := byDigest[str(res.Details.AwsEcrContainerImage.ImageHash)]; img != nil {
						img.Findings = append(img.Findings, trimFinding(f))
						break
					}
				}
			}
		}
	}
	for _, img := range images {
		sort.Slice(img.Findings, func(i, j int) bool { return str(img.Findings[i].FindingArn) < str(img.Findings[j].FindingArn) })
	}
}

// trimFinding keeps what the checks read of an Inspector finding (see ECRImage.Findings).
func trimFinding(f inspectortypes.Finding) inspectortypes.Finding {
	out := inspectortypes.Finding{
		AwsAccountId: f.AwsAccountId, FindingArn: f.FindingArn, Severity: f.Severity, Status: f.Status, Type: f.Type,
		FixAvailable: f.FixAvailable, ExploitAvailable: f.ExploitAvailable, Title: f.Title, InspectorScore: f.InspectorScore,
		FirstObservedAt: f.FirstObservedAt, LastObservedAt: f.LastObservedAt,
	}
	if d := f.PackageVulnerabilityDetails; d != nil {
		out.PackageVulnerabilityDetails = &inspectortypes.PackageVulnerabilityDetails{VulnerabilityId: d.VulnerabilityId, Source: d.Source}
		for _, p := range d.VulnerablePackages {
			out.PackageVulnerabilityDetails.VulnerablePackages = append(out.PackageVulnerabilityDetails.VulnerablePackages, inspectortypes.VulnerablePackage{
				Name: p.Name, Version: p.Version, Epoch: p.Epoch, Release: p.Release, Arch: p.Arch, FixedInVersion: p.FixedInVersion,
				PackageManager: p.PackageManager, FilePath: p.FilePath,
			})
		}
	}
	for _, r := range f.Resources {
		res := inspectortypes.Resource{Id: r.Id, Type: r.Type, Partition: r.Partition, Region: r.Region}
		if r.Details != nil && r.Details.AwsEcrContainerImage != nil {
			e := r.Details.AwsEcrContainerImage
			res.Details = &inspectortypes.ResourceDetails{AwsEcrContainerImage: &inspectortypes.AwsEcrContainerImageDetails{
				ImageHash: e.ImageHash, Registry: e.Registry, RepositoryName: e.RepositoryName, Architecture: e.Architecture,
				Platform: e.Platform, ImageTags: e.ImageTags, PushedAt: e.PushedAt,
			}}
		}
		out.Resources = append(out.Resources, res)
	}
	return out
}
