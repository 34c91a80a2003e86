// vitest (dom project) setup: the views' tests read each intent right after the key that made
// it, so intents leave at once there. Coalescing itself is tested in js/src/lib/channel.test.ts
// and, in the real views, by the JupyterLab browser tests (tests/browser/).
import { IntentChannel } from "../src/lib/channel";

IntentChannel.coalescing = false;
