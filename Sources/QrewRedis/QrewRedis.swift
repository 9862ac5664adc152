// Placeholder until the client lands.
import CHiredis
