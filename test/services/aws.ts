/** Fixed credentials and region for the local AWS stand-ins (dynalite, moto): they accept any. */
export const testCredentials = {
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
};
