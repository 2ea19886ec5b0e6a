/** The version of the contract docs/q-api.md describes, which `.guru.ping` reports. */
export const CONTRACT_VERSION = "1.0";
