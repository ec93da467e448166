"""Bot state on the database: a dialog begun by one instance is finished by a new one."""

from __future__ import annotations

import pytest
from botbuilder.core import ConversationState, MemoryStorage, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import (
    DialogSet,
    DialogTurnStatus,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.dialogs.prompts import PromptOptions, TextPrompt
from botbuilder.schema import Activity, ActivityTypes

from bot.teams.state import SqlStorage, UnsafeStateError, decode_state, encode_state
from storage.db import Database
from storage.state import StateConflict, StateStore


def _make_bot(storage: object) -> tuple[ConversationState, object]:
    conversation_state = ConversationState(storage)
    dialogs = DialogSet(conversation_state.create_property("DialogState"))
    dialogs.add(TextPrompt("text"))

    async def ask_name(step: WaterfallStepContext):  # type: ignore[no-untyped-def]
        return await step.prompt(
            "text", PromptOptions(prompt=Activity(type=ActivityTypes.message, text="Name?"))
        )

    async def ask_agency(step: WaterfallStepContext):  # type: ignore[no-untyped-def]
        step.values["name"] = step.result
        return await step.prompt(
            "text", PromptOptions(prompt=Activity(type=ActivityTypes.message, text="Agency?"))
        )

    async def finish(step: WaterfallStepContext):  # type: ignore[no-untyped-def]
        await step.context.send_activity(f"{step.values['name']} from {step.result}")
        return await step.end_dialog()

    dialogs.add(WaterfallDialog("form", [ask_name, ask_agency, finish]))

    async def logic(turn: TurnContext) -> None:
        dc = await dialogs.create_context(turn)
        result = await dc.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            await dc.begin_dialog("form")
        await conversation_state.save_changes(turn)

    return conversation_state, logic


async def test_dialog_survives_a_new_instance_on_the_same_database(db_url: str) -> None:
    first_db = Database(db_url)
    _, logic = _make_bot(SqlStorage(StateStore(first_db)))
    adapter = TestAdapter(logic)
    await (await adapter.send("refer")).assert_reply("Name?")
    await (await adapter.send("Robin")).assert_reply("Agency?")
    await first_db.dispose()  # the first instance is gone

    second_db = Database(db_url)
    try:
        _, logic2 = _make_bot(SqlStorage(StateStore(second_db)))
        adapter2 = TestAdapter(logic2)  # same default conversation as the first adapter
        await (await adapter2.send("Health")).assert_reply("Robin from Health")
    finally:
        await second_db.dispose()


async def test_memory_storage_loses_it_which_is_why_we_do_not_use_it() -> None:
    _, logic = _make_bot(MemoryStorage())
    adapter = TestAdapter(logic)
    await (await adapter.send("refer")).assert_reply("Name?")
    _, logic2 = _make_bot(MemoryStorage())
    adapter2 = TestAdapter(logic2)
    await (await adapter2.send("Robin")).assert_reply("Name?")  # started over


async def test_stale_write_through_the_bot_storage_interface(db: Database) -> None:
    storage = SqlStorage(StateStore(db))
    await storage.write({"k": {"count": 1}})
    a = (await storage.read(["k"]))["k"]
    b = (await storage.read(["k"]))["k"]
    a["count"] = 2
    await storage.write({"k": a})
    b["count"] = 3
    with pytest.raises(StateConflict):
        await storage.write({"k": b})
    assert (await storage.read(["k"]))["k"]["count"] == 2


def test_stored_state_cannot_name_arbitrary_classes() -> None:
    assert decode_state(encode_state({"a": [1, "x"]})) == {"a": [1, "x"]}
    with pytest.raises(UnsafeStateError):
        decode_state('{"x": {"py/object": "os.system"}}')
    with pytest.raises(UnsafeStateError):
        decode_state('{"x": {"py/reduce": [{"py/function": "subprocess.call"}, ["ls"]]}}')
    with pytest.raises(UnsafeStateError):
        decode_state('{"x": {"py/repr": "os/os.getcwd()"}}')


@pytest.mark.parametrize(
    "check",
    [
        "return_empty_object_when_reading_unknown_key",
        "handle_null_keys_when_reading",
        "handle_null_keys_when_writing",
        "does_not_raise_when_writing_no_items",
        "create_object",
        "handle_crazy_keys",
        "update_object",
        "delete_object",
        "delete_unknown_object",
        "perform_batch_operations",
        "proceeds_through_waterfall",
    ],
)
async def test_the_sdk_storage_conformance_suite(db: Database, check: str) -> None:
    """The Bot Framework's own tests for a `Storage` implementation, on our SQL store."""
    from botbuilder.testing.storage_base_tests import StorageBaseTests

    assert await getattr(StorageBaseTests, check)(SqlStorage(StateStore(db))) is True
