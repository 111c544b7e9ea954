"""skills: what a robot can do, in words. Each skill = language description + affordance + controller."""
