/**
 * Database names: 3 to 40 characters, lowercase letters, digits and hyphens, starting with a letter
 * and not ending with a hyphen. A database becomes the Kubernetes resource `<accountId>-<name>`
 * (10 + 1 + 40 = 51 characters), within the 52 a KdbDatabase name may have.
 */
import { z } from "zod";

export const DATABASE_NAME_SOURCE = "[a-z][a-z0-9-]{1,38}[a-z0-9]";
export const DATABASE_NAME_PATTERN = new RegExp(`^${DATABASE_NAME_SOURCE}$`);

export const databaseNameSchema = z
  .string()
  .regex(
    DATABASE_NAME_PATTERN,
    "3 to 40 characters: lowercase letters, digits and '-', starting with a letter, not ending with '-'",
  )
  .meta({ example: "metrics" });
