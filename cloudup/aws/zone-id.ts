/**
 * `dnsZone` on AWS is a hosted zone's name or its id. Ids are upper-case letters and digits
 * (`Z0123456789ABCDEFGHIJ` on AWS; emulators drop the leading Z), and names are DNS names, which
 * hoist compares in lower case: a value of 10 or more upper-case letters and digits is an id.
 */
export const isHostedZoneId = (zone: string): boolean => /^[A-Z0-9]{10,32}$/.test(zone);
