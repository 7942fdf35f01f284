/**
 * EC2 network interfaces as address holders: whatever owns an interface (instance, load balancer,
 * Lambda, RDS, NAT gateway, EKS pod), its addresses and delegated prefixes are in use.
 */
import { paginateDescribeNetworkInterfaces, type EC2Client, type Filter } from '@aws-sdk/client-ec2';

export interface InterfaceAddresses {
  id: string;
  interfaceType?: string;
  /** Primary and secondary private IPv4 addresses. */
  ipv4: string[];
  ipv6: string[];
  /** Delegated prefixes (EKS prefix delegation), CIDR notation. */
  ipv4Prefixes: string[];
  ipv6Prefixes: string[];
}

/**
 * Every interface of the given VPCs (all VPCs of the region when `vpcIds` is undefined), managed
 * resources included, a page at a time: the caller indexes the addresses and the SDK's page (about
 * 2 MB of XML per 1,000 interfaces) is dropped before the next one is read. With managed-resource
 * visibility set to hidden, a scan without `IncludeManagedResources` would miss live interfaces and
 * make their addresses look free.
 */
export async function* interfaceAddressPages(ec2: EC2Client, vpcIds: string[] | undefined): AsyncGenerator<InterfaceAddresses[]> {
  if (vpcIds && vpcIds.length === 0) return;
  const filters: Filter[] = vpcIds ? [{ Name: 'vpc-id', Values: vpcIds }] : [];
  const pages = paginateDescribeNetworkInterfaces(
    { client: ec2, pageSize: 1000 },
    { Filters: filters.length > 0 ? filters : undefined, IncludeManagedResources: true },
  );
  for await (const page of pages) {
    yield (page.NetworkInterfaces ?? []).map((eni) => {
      const ipv4 = new Set<string>();
      if (eni.PrivateIpAddress) ipv4.add(eni.PrivateIpAddress);
      for (const address of eni.PrivateIpAddresses ?? []) if (address.PrivateIpAddress) ipv4.add(address.PrivateIpAddress);
      return {
        id: eni.NetworkInterfaceId!,
        interfaceType: eni.InterfaceType,
        ipv4: [...ipv4],
        ipv6: (eni.Ipv6Addresses ?? []).flatMap((a) => (a.Ipv6Address ? [a.Ipv6Address] : [])),
        ipv4Prefixes: (eni.Ipv4Prefixes ?? []).flatMap((p) => (p.Ipv4Prefix ? [p.Ipv4Prefix] : [])),
        ipv6Prefixes: (eni.Ipv6Prefixes ?? []).flatMap((p) => (p.Ipv6Prefix ? [p.Ipv6Prefix] : [])),
      };
    });
  }
}
