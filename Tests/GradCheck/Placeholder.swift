// Placeholder so the target exists in a fresh clone; removed when the target's tests land.
import Testing
