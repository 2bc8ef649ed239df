"""Generated event logs for the Dask tests: items moving through a five-state workflow."""

import numpy as np
import pandas as pd

from customer_kanban.model import (
    ClassOfService,
    CostOfDelay,
    Policy,
    ServiceLevelExpectation,
    Urgency,
    Workflow,
)

STATES = ("Backlog", "Analysis", "Doing", "Review", "Done")
START = np.datetime64("2024-01-01T00:00", "ns")
AS_OF = "2024-03-01T00:00"
POLICY = Policy(
    workflow=Workflow(states=STATES, commitment_point="Doing", delivery_point="Done"),
    classes_of_service=(
        ClassOfService(
            name="Expedite",
            urgency=Urgency.EXPEDITE,
            sle=ServiceLevelExpectation(days=2, probability=0.85),
        ),
        ClassOfService(
            name="Standard",
            urgency=Urgency.STANDARD,
            sle=ServiceLevelExpectation(days=10, probability=0.85),
            cost_of_delay=CostOfDelay(rate=40.0),
        ),
    ),
)


def events(n_items: int, *, seed: int) -> pd.DataFrame:
    """One row per state entry; some items stop before Done, a few move back once."""
    rng = np.random.default_rng(seed)
    request = START + (rng.uniform(0, 70, n_items) * 86_400e9).astype("timedelta64[ns]")
    steps = rng.choice([1, 2, 3, 4, 5], n_items, p=[0.05, 0.05, 0.1, 0.1, 0.7])  # states entered
    gaps = (rng.exponential(1.5, (n_items, len(STATES))) * 86_400e9).astype("timedelta64[ns]")
    gaps[:, 0] = np.timedelta64(0, "ns")
    at = (
        (request[:, None] + np.cumsum(gaps, axis=1))
        .astype("datetime64[s]")
        .astype("datetime64[ns]")
    )
    item, state = np.nonzero(np.arange(len(STATES))[None, :] < steps[:, None])
    frame = pd.DataFrame(
        {
            "item": np.char.add("I-", item.astype(str)),
            "state": np.array(STATES)[state],
            "at": at[item, state],
            "class_of_service": np.where(item % 7 == 0, "Expedite", "Standard"),
            "segment": np.where(item % 3 == 0, "premium", "other"),
        }
    )
    back = rng.random(n_items) < 0.1  # a move back to Analysis after Doing
    moved = np.flatnonzero(back & (steps >= 3))
    extra = pd.DataFrame(
        {
            "item": np.char.add("I-", moved.astype(str)),
            "state": "Analysis",
            "at": at[moved, 2] + np.timedelta64(3600, "s"),
            "class_of_service": np.where(moved % 7 == 0, "Expedite", "Standard"),
            "segment": np.where(moved % 3 == 0, "premium", "other"),
        }
    )
    return pd.concat([frame, extra], ignore_index=True)
