/** The next-auth test page (nextAuthPage.tsx) on `next-auth/react` of next-auth 5, as published. */
import * as client from "next-auth/react"
import { mountNextAuthPage } from "./nextAuthPage.tsx"

mountNextAuthPage(client)
