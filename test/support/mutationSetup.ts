import { scaleDefaultRuns } from "./properties.js"

scaleDefaultRuns()
