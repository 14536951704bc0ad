export { createDockerRuntime, type RuntimeContext } from "./docker-runtime.js";
export { adoptContainer } from "./adopt.js";
export { findForeignListener, findPortPublisher, type PortPublisher } from "./ports.js";
export { EngineClient, EngineError, parseDockerHost } from "./engine-client.js";
