/** Moved to components/ so the automation rules pick recipients with the same control. */
export { UsersMultiSelect } from "../../../components/UsersMultiSelect";
