/** The seed's compose service shape (one file now): image, restart: always, an external network. */
export function seedComposeFile(image: string, network: string): string {
  return [
    'version: "3.8"',
    "services:",
    "  server:",
    `    image: ${image}`,
    "    restart: always",
    "    environment:",
    '      TZ: "Asia/Seoul"',
    "    networks: [seed]",
    "networks:",
    "  seed:",
    "    external: true",
    `    name: ${network}`,
    "",
  ].join("\n");
}
