// The example app: any HTTP server that listens on $PORT and answers /health will do.
import http from "node:http";

const port = Number(process.env.PORT ?? 8080);
const greeting = process.env.GREETING ?? "hello";

http
  .createServer((req, res) => {
    if (req.url === "/health") {
      res.writeHead(200, { "content-type": "text/plain" });
      return res.end("running");
    }
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`${greeting} (pid ${process.pid}, port ${port})\n`);
  })
  .listen(port, "127.0.0.1", () => console.log(`hello listening on ${port}`));

process.on("SIGTERM", () => process.exit(0));
