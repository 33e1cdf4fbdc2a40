/** The next-auth test page (nextAuthPage.tsx) on `next-auth/react` of next-auth 4, as published. */
import * as client from "next-auth-v4/react"
import { mountNextAuthPage } from "./nextAuthPage.tsx"

mountNextAuthPage(client)
