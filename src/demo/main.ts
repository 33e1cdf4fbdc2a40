// The demo entry (`npm start`). Until the HTTP server exists it runs the console walkthrough.
await import("./walkthrough.ts")
