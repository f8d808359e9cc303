package aws

import (
	"context"
	"sort"
	"strconv"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// filterChunk bounds the values of one EC2 filter per call.
const filterChunk = 200

func filter(name string, values ...string) ec2types.Filter {
	return ec2types.Filter{Name: sdkaws.String(name), Values: values}
}

func chunks(values []string) [][]string {
	var out [][]string
	for len(values) > filterChunk {
		out = append(out, values[:filterChunk])
		values = values[filterChunk:]
	}
	if len(values) > 0 {
		out = append(out, values)
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// instances reads CLUSTER_NODES: pending and running instances tagged for the cluster (any of
// the three tags EKS, eksctl and self-managed groups use), plus those Nodes name in
// spec.providerID. The tag filters are ANDed within a call, so each tag is one query.
func (c *collector) instances(ctx context.Context) {
	const action = "ec2:DescribeInstances"
	name := c.opts.ClusterName
	state := filter("instance-state-name", "pending", "running")
	queries := []*ec2.DescribeInstancesInput{
		{Filters: []ec2types.Filter{filter("tag:aws:eks:cluster-name", name), state}},
		{Filters: []ec2types.Filter{filter("tag:kubernetes.io/cluster/"+name, "owned", "shared"), state}},
		{Filters: []ec2types.Filter{filter("tag:eks:cluster-name", name), state}},
	}
	for _, ids := range chunks(c.k8s.nodeInstances) {
		queries = append(queries, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{filter("instance-id", ids...)}})
	}
	found := map[string]ec2types.Instance{}
	var g group
	for _, in := range queries {
		g.Go(func() {
			p := ec2.NewDescribeInstancesPaginator(c.clients.ec2, in)
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					c.fail(ctx, action, c.clusterARN(), err)
					return
				}
				c.mu.Lock()
				for _, r := range page.Reservations {
					for _, i := range r.Instances {
						found[str(i.InstanceId)] = i
					}
				}
				c.mu.Unlock()
			}
		})
	}
	g.Wait()
	c.add(func(a *inventory.AWS) {
		for _, i := range found {
			a.Instances = append(a.Instances, i)
		}
	})
}

// network reads the subnets and security groups of the cluster, its node groups and nodes
// (and those SecurityGroupPolicies name),
// and the VPC endpoints, route tables and flow logs of the cluster's VPC.
func (c *collector) network(ctx context.Context) {
	subnets, groups, clusterSubnets := map[string]bool{}, map[string]bool{}, map[string]bool{}
	vpc := ""
	c.mu.Lock()
	if cl := c.out.Cluster; cl != nil && cl.ResourcesVpcConfig != nil {
		vc := cl.ResourcesVpcConfig
		vpc = str(vc.VpcId)
		for _, s := range vc.SubnetIds {
			subnets[s], clusterSubnets[s] = true, true
		}
		groups[str(vc.ClusterSecurityGroupId)] = true
		for _, sg := range vc.SecurityGroupIds {
			groups[sg] = true
		}
	}
	for _, ng := range c.out.Nodegroups {
		for _, s := range ng.Subnets {
			subnets[s] = true
		}
	}
	for _, id := range c.k8s.sgpGroups {
		groups[id] = true
	}
	for _, i := range c.out.Instances {
		subnets[str(i.SubnetId)] = true
		for _, sg := range i.SecurityGroups {
			groups[str(sg.GroupId)] = true
		}
		for _, ni := range i.NetworkInterfaces {
			for _, sg := range ni.Groups {
				groups[str(sg.GroupId)] = true
			}
		}
	}
	c.mu.Unlock()

	var g group
	for _, ids := range chunks(sortedKeys(subnets)) {
		g.Go(func() {
			p := ec2.NewDescribeSubnetsPaginator(c.clients.ec2, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{filter("subnet-id", ids...)}})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					c.fail(ctx, "ec2:DescribeSubnets", ids[0], err)
					return
				}
				c.add(func(a *inventory.AWS) { a.Subnets = append(a.Subnets, page.Subnets...) })
			}
		})
	}
	for _, ids := range chunks(sortedKeys(groups)) {
		g.Go(func() {
			p := ec2.NewDescribeSecurityGroupsPaginator(c.clients.ec2, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{filter("group-id", ids...)}})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					c.fail(ctx, "ec2:DescribeSecurityGroups", ids[0], err)
					return
				}
				c.add(func(a *inventory.AWS) { a.SecurityGroups = append(a.SecurityGroups, page.SecurityGroups...) })
			}
		})
	}
	g.Wait()
	if vpc == "" { // the cluster's VPC is its subnets' VPC (some APIs leave vpcId out)
		c.mu.Lock()
		for _, s := range c.out.Subnets {
			if clusterSubnets[str(s.SubnetId)] {
				vpc = str(s.VpcId)
			}
		}
		c.mu.Unlock()
	}
	if vpc == "" {
		c.skipped("ec2:DescribeVpcEndpoints", c.opts.ClusterName, "the cluster's VPC is unknown (eks:DescribeCluster or ec2:DescribeSubnets failed)")
		c.skipped("ec2:DescribeRouteTables", c.opts.ClusterName, "the cluster's VPC is unknown (eks:DescribeCluster or ec2:DescribeSubnets failed)")
		c.skipped("ec2:DescribeFlowLogs", c.opts.ClusterName, "the cluster's VPC is unknown (eks:DescribeCluster or ec2:DescribeSubnets failed)")
	} else {
		g.Go(func() {
			p := ec2.NewDescribeVpcEndpointsPaginator(c.clients.ec2, &ec2.DescribeVpcEndpointsInput{Filters: []ec2types.Filter{filter("vpc-id", vpc)}})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					c.fail(ctx, "ec2:DescribeVpcEndpoints", vpc, err)
					return
				}
				c.add(func(a *inventory.AWS) { a.VPCEndpoints = append(a.VPCEndpoints, page.VpcEndpoints...) })
			}
		})
		g.Go(func() {
			p := ec2.NewDescribeRouteTablesPaginator(c.clients.ec2, &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{filter("vpc-id", vpc)}})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					c.fail(ctx, "ec2:DescribeRouteTables", vpc, err)
					return
				}
				c.add(func(a *inventory.AWS) { a.RouteTables = append(a.RouteTables, page.RouteTables...) })
			}
		})
		g.Go(func() {
			ids := append([]string{vpc}, sortedKeys(clusterSubnets)...)
			p := ec2.NewDescribeFlowLogsPaginator(c.clients.ec2, &ec2.DescribeFlowLogsInput{Filter: []ec2types.Filter{filter("resource-id", ids...)}})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					c.fail(ctx, "ec2:DescribeFlowLogs", vpc, err)
					return
				}
				c.add(func(a *inventory.AWS) { a.FlowLogs = append(a.FlowLogs, page.FlowLogs...) })
			}
		})
	}
	g.Wait()
}

// launchTemplates reads LAUNCH_TEMPLATES of the managed node groups: each template once,
// with every version the node groups name ("$Default" and "$Latest" are resolved by EC2).
func (c *collector) launchTemplates(ctx context.Context) {
	type tmpl struct {
		id, name string
		versions map[string][]string // version -> node groups
	}
	templates := map[string]*tmpl{}
	c.mu.Lock()
	for _, ng := range c.out.Nodegroups {
		lt := ng.LaunchTemplate
		if lt == nil {
			continue
		}
		key := str(lt.Id)
		if key == "" {
			key = "name:" + str(lt.Name)
		}
		t, ok := templates[key]
		if !ok {
			t = &tmpl{id: str(lt.Id), name: str(lt.Name), versions: map[string][]string{}}
			templates[key] = t
		}
		v := str(lt.Version)
		if v == "" {
			v = "$Default"
		}
		t.versions[v] = append(t.versions[v], str(ng.NodegroupName))
	}
	c.mu.Unlock()
	var g group
	for _, t := range templates {
		g.Go(func() {
			in := &ec2.DescribeLaunchTemplateVersionsInput{}
			if t.id != "" {
				in.LaunchTemplateId = &t.id
			} else {
				in.LaunchTemplateName = &t.name
			}
			for v := range t.versions {
				in.Versions = append(in.Versions, v)
			}
			sort.Strings(in.Versions)
			var got []ec2types.LaunchTemplateVersion
			p := ec2.NewDescribeLaunchTemplateVersionsPaginator(c.clients.ec2, in)
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					c.fail(ctx, "ec2:DescribeLaunchTemplateVersions", t.id+t.name, err)
					return
				}
				got = append(got, page.LaunchTemplateVersions...)
			}
			// Tie each version to its node groups: by number, "$Default" by DefaultVersion,
			// "$Latest" by the highest number returned.
			var latest int64
			for _, v := range got {
				latest = max(latest, sdkaws.ToInt64(v.VersionNumber))
			}
			out := make([]inventory.LaunchTemplate, len(got))
			for i, v := range got {
				out[i].Version = v
				for want, ngs := range t.versions {
					n := sdkaws.ToInt64(v.VersionNumber)
					if want == strconv.FormatInt(n, 10) || (want == "$Default" && sdkaws.ToBool(v.DefaultVersion)) || (want == "$Latest" && n == latest) {
						out[i].Nodegroups = append(out[i].Nodegroups, ngs...)
					}
				}
				sort.Strings(out[i].Nodegroups)
			}
			c.add(func(a *inventory.AWS) { a.LaunchTemplates = append(a.LaunchTemplates, out...) })
		})
	}
	g.Wait()
}

// volumes reads the EBS volumes attached to CLUSTER_NODES and those PersistentVolumes name,
// and whether the region encrypts new volumes by default.
func (c *collector) volumes(ctx context.Context) {
	ids := map[string]bool{}
	c.mu.Lock()
	for _, i := range c.out.Instances {
		for _, bd := range i.BlockDeviceMappings {
			if bd.Ebs != nil {
				ids[str(bd.Ebs.VolumeId)] = true
			}
		}
	}
	c.mu.Unlock()
	for _, id := range c.k8s.pvVolumes {
		ids[id] = true
	}
	var g group
	g.Go(func() {
		out, err := c.clients.ec2.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
		if err != nil {
			c.fail(ctx, "ec2:GetEbsEncryptionByDefault", c.clients.region, err)
			return
		}
		c.add(func(a *inventory.AWS) { a.EBSEncryptionByDefault = out.EbsEncryptionByDefault })
	})
	for _, chunk := range chunks(sortedKeys(ids)) {
		g.Go(func() {
			p := ec2.NewDescribeVolumesPaginator(c.clients.ec2, &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{filter("volume-id", chunk...)}})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					c.fail(ctx, "ec2:DescribeVolumes", chunk[0], err)
					return
				}
				c.add(func(a *inventory.AWS) { a.Volumes = append(a.Volumes, page.Volumes...) })
			}
		})
	}
	g.Wait()
}

// images reads the AMIs CLUSTER_NODES run, for their age.
func (c *collector) images(ctx context.Context) {
	ids := map[string]bool{}
	c.mu.Lock()
	for _, i := range c.out.Instances {
		ids[str(i.ImageId)] = true
	}
	c.mu.Unlock()
	var g group
	for _, chunk := range chunks(sortedKeys(ids)) {
		g.Go(func() {
			p := ec2.NewDescribeImagesPaginator(c.clients.ec2, &ec2.DescribeImagesInput{
				Filters: []ec2types.Filter{filter("image-id", chunk...)}, IncludeDeprecated: sdkaws.Bool(true)})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					c.fail(ctx, "ec2:DescribeImages", chunk[0], err)
					return
				}
				c.add(func(a *inventory.AWS) { a.Images = append(a.Images, page.Images...) })
			}
		})
	}
	g.Wait()
}

// instanceTypes reads the instance types CLUSTER_NODES run (network features such as
// encryption in transit).
func (c *collector) instanceTypes(ctx context.Context) {
	types := map[string]bool{}
	c.mu.Lock()
	for _, i := range c.out.Instances {
		types[string(i.InstanceType)] = true
	}
	c.mu.Unlock()
	var g group
	all := sortedKeys(types)
	for len(all) > 0 { // the API takes at most 100 types per call
		chunk := all[:min(len(all), 100)]
		all = all[len(chunk):]
		g.Go(func() {
			in := &ec2.DescribeInstanceTypesInput{}
			for _, t := range chunk {
				in.InstanceTypes = append(in.InstanceTypes, ec2types.InstanceType(t))
			}
			p := ec2.NewDescribeInstanceTypesPaginator(c.clients.ec2, in)
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					c.fail(ctx, "ec2:DescribeInstanceTypes", chunk[0], err)
					return
				}
				c.add(func(a *inventory.AWS) { a.InstanceTypes = append(a.InstanceTypes, page.InstanceTypes...) })
			}
		})
	}
	g.Wait()
}
