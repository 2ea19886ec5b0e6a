/**
 * The settings every guru-api a test starts in cloud mode shares: its catalog table on the test
 * dynalite, cache and change events in memory, no rate limit, quiet logs (`TEST_LOG` to see them).
 */
import { useService } from "../services/index.js";

export async function cloudApiEnv(table: string): Promise<Record<string, string>> {
  const dynalite = await useService("dynalite");
  return {
    GURU_API_MODE: "cloud",
    GURU_API_REGION: "us-east-1",
    GURU_API_DYNAMODB_ENDPOINT: `http://${dynalite.host}:${dynalite.port}`,
    GURU_API_DYNAMODB_TABLE: table,
    GURU_API_CREATE_TABLE: "true",
    GURU_API_CACHE: "memory",
    GURU_API_EVENTS: "memory",
    GURU_API_RATE_LIMIT: "off",
    GURU_API_LOG_LEVEL: process.env.TEST_LOG ?? "silent",
  };
}
